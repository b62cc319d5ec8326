package report

import (
	"io"

	"github.com/tollgate-dev/tollgate/compat/cfnpv"
)

// CfnPolicyValidator writes the result in cfn-policy-validator's shape,
// {"BlockingFindings": [...], "NonBlockingFindings": [...]}: each finding
// named (resourceName, policyName), coded and ordered as its validate
// command reports it, with tollgate's position under "tollgate" (see
// compat/cfnpv). Suppressed findings are left out, as it leaves out
// ignored ones; the run's errors, when there are some, are under "Errors".
// The names need the templates' policies (Format.KeepPolicies); without
// them findings keep their logical IDs.
func CfnPolicyValidator(w io.Writer, r *Result) error {
	_, err := io.WriteString(w, cfnpv.Encode(cfnpv.NewReport(r, cfnpv.Options{}).JSON()))
	return err
}
