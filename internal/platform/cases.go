package platform

import "github.com/netid-project/netid/internal/recourse"

// Cases is the holders' recourse on the core's database (package
// recourse): what netid serve answers under /v1/holder/cases and
// /v1/admin/cases, and what netid admin cases runs on the data directory.
// Nil for a core opened DatabaseOnly.
func (c *Core) Cases() *recourse.Service {
	if c.Sealer == nil || c.Records == nil {
		return nil
	}
	return &recourse.Service{
		Store: c.Store, Sealer: c.Sealer, Records: c.Records,
		Deadline: c.Config.CaseDeadline, Now: c.Records.Now,
	}
}
