package model

import "time"

// Outcome is how a deploy ended.
type Outcome string

// Deploy outcomes.
const (
	OutcomeDeployed  Outcome = "deployed"
	OutcomeNoChanges Outcome = "no-changes"
	OutcomeDryRun    Outcome = "dry-run"
	OutcomeFailed    Outcome = "failed"
)

// DeployResult is what a deploy did.
type DeployResult struct {
	Outcome Outcome
	Stack   string
	StackID string
	// Status is the stack's final status.
	Status string
	// Preview is the change set that was executed (or would be, on a dry run).
	Preview Preview
	// Events are this deploy's stack events, oldest first.
	Events []DeployEvent
	// Failures are the events that failed, oldest first, when it failed.
	Failures []DeployEvent
	// Outputs are the stack's outputs after the deploy.
	Outputs map[string]string
	// Created is set when the deploy created the stack.
	Created bool
}

// DeployEvent is one stack event.
type DeployEvent struct {
	Time         time.Time
	LogicalID    string
	ResourceType string
	Status       string
	Reason       string
}
