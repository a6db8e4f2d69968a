package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/recourse"
	"github.com/netid-project/netid/internal/storage"
)

// Recourse (申诉与投诉): the holder's "netid wallet case open|list|show"
// through the platform's /v1/holder/cases, and the operator's "netid admin
// cases list|show|answer|close" on the data directory (package recourse),
// each step recorded in the holder's history.

func walletCase(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "wallet case", args, map[string]func(context.Context, Env, []string) error{
		"open": walletCaseOpen,
		"list": walletCaseList,
		"show": walletCaseShow,
	})
}

// textFlag reads a text from --NAME or --NAME-file (- for standard input).
type textFlag struct{ text, file *string }

func addTextFlag(fs *flag.FlagSet, name, usage string) textFlag {
	return textFlag{
		text: fs.String(name, "", usage),
		file: fs.String(name+"-file", "", "file holding the "+name+" (- for standard input)"),
	}
}

func (t textFlag) value(env Env, name string) (string, error) {
	switch {
	case *t.text != "" && *t.file != "":
		return "", fmt.Errorf("give --%s or --%s-file, not both", name, name)
	case *t.file == "-":
		b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<10))
		return strings.TrimRight(string(b), "\n"), err
	case *t.file != "":
		b, err := os.ReadFile(*t.file)
		if err != nil {
			return "", fmt.Errorf("reading the %s file: %w", name, err)
		}
		return strings.TrimRight(string(b), "\n"), nil
	}
	return *t.text, nil
}

func walletCaseOpen(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet case open")
	record := fs.Int64("record", 0, "dispute this record of your history (its number in netid wallet history)")
	suspension := fs.Bool("suspension", false, "dispute the operator's suspension of your credential")
	rp := fs.String("rp", "", "complain about this relying party (its ID)")
	ground := fs.String("ground", "", "why: not_me, wrong_details (a record); wrongly_suspended (a suspension); plaintext_again, no_other_way (a relying party); other (default: not_me, wrongly_suspended, plaintext_again)")
	stmt := addTextFlag(fs, "statement", "what happened, at most 1000 characters (no need for your ID number)")
	if err := parse(fs, args); err != nil {
		return err
	}
	req := api.CaseOpenRequest{Ground: api.CaseGround(*ground)}
	n := 0
	if *record != 0 {
		n++
		req.Kind, req.RecordSeq = api.CaseAboutRecord, *record
		if req.Ground == "" {
			req.Ground = api.GroundNotMe
		}
	}
	if *suspension {
		n++
		req.Kind = api.CaseAboutSuspension
		if req.Ground == "" {
			req.Ground = api.GroundWronglySuspended
		}
	}
	if *rp != "" {
		n++
		req.Kind, req.RPID = api.CaseAboutRelyingParty, *rp
		if req.Ground == "" {
			req.Ground = api.GroundPlaintextAgain
		}
	}
	if n != 1 {
		return errors.New("give one of --record SEQ, --suspension or --rp ID")
	}
	text, err := stmt.value(env, "statement")
	if err != nil {
		return err
	}
	if text == "" {
		return errors.New("--statement (or --statement-file) is required")
	}
	req.Statement = text
	u, _, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	out, err := c.OpenCase(ctx, u, req)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, env.tr(i18n.KeyCLICaseOpened, out.Number, out.DueAt.Local().Format("2006-01-02 15:04")))
	return nil
}

func walletCaseList(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet case list")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, _, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	list, err := c.Cases(ctx, u)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		env.println(env.Stdout, i18n.KeyCLICaseNone)
		return nil
	}
	return printCases(env, list, false)
}

func walletCaseShow(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet case show")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: netid wallet case show NUMBER")
	}
	u, _, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	out, err := c.Case(ctx, u, pos[0])
	if err != nil {
		return err
	}
	return printCase(env, out)
}

// printCases prints a table of cases (with the holder's 网号 for
// operators).
func printCases(env Env, list []api.Case, operator bool) error {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	head := "NUMBER\tKIND\tGROUND\tABOUT\tSTATE\tOPENED\tDUE"
	if operator {
		head += "\t网号"
	}
	fmt.Fprintln(tw, head)
	for _, c := range list {
		state := string(c.State)
		if c.Resolution != "" {
			state += " (" + string(c.Resolution)
			if c.Action != "" {
				state += ", " + string(c.Action)
			}
			state += ")"
		}
		due := c.DueAt.Local().Format("2006-01-02 15:04")
		if c.Overdue {
			due += " OVERDUE"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", c.Number, c.Kind, c.Ground, caseAbout(c), state,
			c.CreatedAt.Local().Format("2006-01-02 15:04"), due)
		if operator {
			line += "\t" + c.Wanghao
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// caseAbout names what a case is about: the record, the relying party.
func caseAbout(c api.Case) string {
	var parts []string
	if c.RecordSeq != 0 {
		parts = append(parts, fmt.Sprintf("record %d", c.RecordSeq))
	}
	if c.RPID != "" {
		parts = append(parts, c.RPID)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// printCase prints one case with what the holder and the operator wrote.
func printCase(env Env, c api.Case) error {
	if err := printCases(env, []api.Case{c}, c.Wanghao != ""); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\n%s:\n%s\n", env.tr(i18n.KeyCLICaseStatement), c.Statement)
	if c.Answer != "" {
		fmt.Fprintf(env.Stdout, "\n%s (%s):\n%s\n", env.tr(i18n.KeyCLICaseAnswer), c.AnsweredAt.Local().Format("2006-01-02 15:04"), c.Answer)
	}
	return nil
}

// ---- The operator's side ----

func adminCases(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin cases", args, map[string]func(context.Context, Env, []string) error{
		"list":   adminCasesList,
		"show":   adminCasesShow,
		"answer": adminCasesAnswer,
		"close":  adminCasesClose,
	})
}

// openCases opens the recourse service on the data directory d names.
func openCases(ctx context.Context, env Env, d dbFlags, name string) (*recourse.Service, func(), error) {
	cfg, err := config.Parse("netid "+name, []string{"--data", d.data, "--db", d.db}, env.Getenv, env.Stderr)
	if err != nil {
		return nil, nil, configError(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return nil, nil, err
	}
	return core.Cases(), func() { core.Close() }, nil
}

// adminCaseFlags parses an admin cases command's flags and its one case
// number (none for list).
func adminCaseFlags(env Env, name, synopsis string, args []string, more func(fs *flag.FlagSet)) (dbFlags, string, error) {
	fs := flagsWithNote(env, name, synopsis, existingData)
	var d dbFlags
	d.register(fs, env)
	if more != nil {
		more(fs)
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return d, "", err
	}
	switch {
	case synopsis == "" && len(pos) != 0:
		return d, "", fmt.Errorf("usage: netid %s [flags]", name)
	case synopsis != "" && len(pos) != 1:
		return d, "", fmt.Errorf("usage: netid %s%s [flags]", name, synopsis)
	case synopsis != "":
		return d, pos[0], nil
	}
	return d, "", nil
}

func adminCasesList(ctx context.Context, env Env, args []string) error {
	var state *string
	var overdue *bool
	var limit *int
	var after *string
	d, _, err := adminCaseFlags(env, "admin cases list", "", args, func(fs *flag.FlagSet) {
		state = fs.String("state", "", "only cases in this state: open, answered or closed")
		overdue = fs.Bool("overdue", false, "only open cases past their deadline")
		limit = fs.Int("limit", 100, "at most this many cases (1 to 500)")
		after = fs.String("after", "", "the cases after this number (paging)")
	})
	if err != nil {
		return err
	}
	f := recourse.Filter{Overdue: *overdue, After: *after, Limit: *limit}
	switch storage.CaseState(*state) {
	case "", storage.CaseOpen, storage.CaseAnswered, storage.CaseClosed:
		f.State = storage.CaseState(*state)
	default:
		return errors.New("--state must be open, answered or closed")
	}
	if *limit < 1 || *limit > recourse.MaxList {
		return errors.New("--limit must be 1 to 500")
	}
	cases, done, err := openCases(ctx, env, d, "admin cases list")
	if err != nil {
		return err
	}
	defer done()
	list, err := cases.Queue(ctx, f)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "no cases")
		return nil
	}
	out := make([]api.Case, 0, len(list))
	for _, c := range list {
		v, err := operatorView(ctx, cases, c)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return printCases(env, out, true)
}

func adminCasesShow(ctx context.Context, env Env, args []string) error {
	d, number, err := adminCaseFlags(env, "admin cases show", " NUMBER", args, nil)
	if err != nil {
		return err
	}
	cases, done, err := openCases(ctx, env, d, "admin cases show")
	if err != nil {
		return err
	}
	defer done()
	c, err := cases.Show(ctx, number)
	return printOperatorCase(ctx, env, cases, c, err)
}

func adminCasesAnswer(ctx context.Context, env Env, args []string) error {
	var answer textFlag
	d, number, err := adminCaseFlags(env, "admin cases answer", " NUMBER", args, func(fs *flag.FlagSet) {
		answer = addTextFlag(fs, "answer", "the answer the holder reads, at most 2000 characters (required)")
	})
	if err != nil {
		return err
	}
	text, err := answer.value(env, "answer")
	if err != nil {
		return err
	}
	if text == "" {
		return errors.New("--answer (or --answer-file) is required")
	}
	cases, done, err := openCases(ctx, env, d, "admin cases answer")
	if err != nil {
		return err
	}
	defer done()
	c, err := cases.Answer(ctx, number, text)
	return printOperatorCase(ctx, env, cases, c, err)
}

func adminCasesClose(ctx context.Context, env Env, args []string) error {
	var resolution, action *string
	var answer textFlag
	d, number, err := adminCaseFlags(env, "admin cases close", " NUMBER", args, func(fs *flag.FlagSet) {
		resolution = fs.String("resolution", "", "upheld or not_upheld (required)")
		action = fs.String("action", "", "for an upheld case: disable_rp disables the relying party it is about; lift_suspension lifts the suspension it disputes")
		answer = addTextFlag(fs, "answer", "the answer, if the case was not answered yet (at most 2000 characters)")
	})
	if err != nil {
		return err
	}
	if *resolution == "" {
		return errors.New("--resolution is required (upheld or not_upheld)")
	}
	text, err := answer.value(env, "answer")
	if err != nil {
		return err
	}
	cases, done, err := openCases(ctx, env, d, "admin cases close")
	if err != nil {
		return err
	}
	defer done()
	c, err := cases.Close(ctx, number, recourse.CloseRequest{
		Resolution: recourse.Resolution(*resolution), Action: recourse.Action(*action), Answer: text,
	})
	return printOperatorCase(ctx, env, cases, c, err)
}

func printOperatorCase(ctx context.Context, env Env, cases *recourse.Service, c recourse.Case, err error) error {
	if err != nil {
		return err
	}
	v, err := operatorView(ctx, cases, c)
	if err != nil {
		return err
	}
	return printCase(env, v)
}

// operatorView is c as the admin API shows it, with the holder's 网号.
func operatorView(ctx context.Context, cases *recourse.Service, c recourse.Case) (api.Case, error) {
	wh, err := cases.Wanghao(ctx, c.PersonID)
	if err != nil {
		return api.Case{}, err
	}
	v := api.Case{
		Number: c.Number, Kind: api.CaseKind(c.Kind), Ground: api.CaseGround(c.Ground), RecordSeq: c.RecordSeq,
		RPID: c.RPID, RelyingParty: c.RPName, State: api.CaseState(c.State), Statement: c.Statement, Answer: c.Answer,
		Resolution: api.CaseResolution(c.Resolution), Action: api.CaseAction(c.Action),
		DueAt: c.DueAt, Overdue: c.Overdue, CreatedAt: c.CreatedAt, Wanghao: wh,
	}
	if !c.AnsweredAt.IsZero() {
		t := c.AnsweredAt
		v.AnsweredAt = &t
	}
	return v, nil
}
