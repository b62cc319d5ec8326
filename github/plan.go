package github

import (
	"encoding/json"

	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/model"
)

// PlanOutputs sets the step outputs a workflow fans out with: the matrix,
// the environment, the stages and the promotion.
func (f Files) PlanOutputs(p *gitops.DeployPlan) error {
	matrix, err := json.Marshal(p.Matrix)
	if err != nil {
		return err
	}
	stages, err := json.Marshal(p.Stages)
	if err != nil {
		return err
	}
	env := ""
	if p.Environment != nil {
		env = *p.Environment
	}
	has := "false"
	if len(p.Matrix.Include) > 0 {
		has = "true"
	}
	promote, hasPromotion := []byte(`{"include":[]}`), "false"
	if len(p.Stages) > 1 {
		if promote, err = json.Marshal(p.Stages[1].Matrix); err != nil {
			return err
		}
		if len(p.Stages[1].Matrix.Include) > 0 {
			hasPromotion = "true"
		}
	}
	return f.SetOutputs([][2]string{{"matrix", string(matrix)}, {"environment", env}, {"stages", string(stages)},
		{"has-deployments", has}, {"promote-matrix", string(promote)}, {"has-promotion", hasPromotion}})
}

// DeployOutputs sets the step outputs of a deploy: its outcome and the
// stack's outputs as JSON.
func (f Files) DeployOutputs(r *model.DeployResult) error {
	outputs, err := json.Marshal(r.Outputs)
	if err != nil {
		return err
	}
	return f.SetOutputs([][2]string{{"outcome", string(r.Outcome)}, {"stack-outputs", string(outputs)}})
}
