package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/model"
)

// DeployEventLine renders one stack event of a deploy in progress:
// "12:03:04 CREATE_COMPLETE  AWS::SQS::Queue  Queue: reason".
func DeployEventLine(e model.DeployEvent) string {
	line := fmt.Sprintf("%s %-28s %-32s %s", e.Time.UTC().Format("15:04:05"), e.Status, Plain(e.ResourceType), Plain(e.LogicalID))
	if e.Reason != "" {
		line += ": " + Plain(e.Reason)
	}
	return line
}

// DeployText renders how a deploy ended: the change set it executed, a
// table of where each resource ended (its last event, or the change set's
// action when the events name only the stack), and the outcome. err is the
// deploy's failure, when it failed: the table and outcome are then left to
// the error's own message.
func DeployText(w io.Writer, r *model.DeployResult, failed bool) error {
	ew := &errWriter{w: w}
	if len(r.Preview.Changes) > 0 {
		ew.println("")
		if err := Text(w, &Result{Previews: []Preview{r.Preview}, Stats: Stats{Templates: 1}}, TextOptions{}); err != nil {
			return err
		}
	}
	if failed {
		return ew.err
	}
	deployTable(ew, r)
	switch r.Outcome {
	case model.OutcomeNoChanges:
		ew.println(Plain(r.Stack) + ": no changes")
	case model.OutcomeDryRun:
		ew.println(Plain(r.Stack) + ": dry run, the change set was deleted without executing")
	default:
		ew.println(Plain(r.Stack) + ": " + Plain(r.Status))
	}
	return ew.err
}

func deployTable(ew *errWriter, r *model.DeployResult) {
	type row struct{ id, typ, status string }
	var rows []row
	last := map[string]int{}
	for _, ev := range r.Events {
		if ev.ResourceType == "AWS::CloudFormation::Stack" && ev.LogicalID == r.Stack {
			continue
		}
		if i, ok := last[ev.LogicalID]; ok {
			rows[i].status = ev.Status
			continue
		}
		last[ev.LogicalID] = len(rows)
		rows = append(rows, row{ev.LogicalID, ev.ResourceType, ev.Status})
	}
	if len(rows) == 0 && r.Outcome == model.OutcomeDeployed {
		for _, c := range r.Preview.Changes {
			rows = append(rows, row{c.LogicalID, c.ResourceType, strings.ToUpper(c.Action) + " (" + r.Status + ")"})
		}
	}
	if len(rows) == 0 {
		return
	}
	ew.println(fmt.Sprintf("\n%-32s %-36s %s", "RESOURCE", "TYPE", "STATUS"))
	for _, rw := range rows {
		ew.println(fmt.Sprintf("%-32s %-36s %s", Plain(rw.id), Plain(rw.typ), Plain(rw.status)))
	}
}
