package storage

import (
	"context"
	"time"
)

// PartitionStore keeps the tables partitioned by time ready for writes.
// Storage embeds it. Where the database keeps each table whole (SQLite),
// its method does nothing.
type PartitionStore interface {
	// MaintainPartitions creates, where missing, the record log's
	// partitions of the month of now (UTC) and of the PartitionsAhead
	// months after it, and moves the records that the catch-all partition
	// holds into their month's partition. Safe to call from several
	// processes at once, and again: what exists is left as it is.
	MaintainPartitions(ctx context.Context, now time.Time) error
}

// PartitionsAhead is how many months after the current one
// MaintainPartitions prepares the partitions of, so that appends never wait
// for one (maintenance runs once a minute; three months leave time to
// notice it stopped).
const PartitionsAhead = 3
