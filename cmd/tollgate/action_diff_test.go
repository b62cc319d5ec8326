package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/github/githubtest"
	"github.com/tollgate-dev/tollgate/internal/gittest"
)

const tableV1 = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  Reader:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: dynamodb:GetItem
            Resource: !GetAtt Orders.Arn
`

// tableV2 changes the table's key (a replacement, and the data is lost)
// and widens the policy.
var tableV2 = strings.NewReplacer("AttributeName: id, KeyType: HASH", "AttributeName: orderId, KeyType: HASH",
	"AttributeName: id, AttributeType: S", "AttributeName: orderId, AttributeType: S",
	"Action: dynamodb:GetItem", "Action: \"dynamodb:*\"").Replace(tableV1)

func TestActionJudgesThePullRequestOnItsChange(t *testing.T) {
	repo := gittest.New(t)
	base := repo.Commit("base", map[string]string{"stacks/orders.yaml": tableV1, "stacks/untouched.yaml": openTrustTemplate})
	head := repo.Commit("change the key", map[string]string{"stacks/orders.yaml": tableV2})
	gh := githubtest.New(t)
	vars := actionWorkspace(t, "pull_request", "pull_request.synchronize.json", gh.URL())
	t.Chdir(repo.Sub(""))
	// An event whose base and head are this repository's commits.
	var ev map[string]any
	json.Unmarshal([]byte(readFile(t, vars["GITHUB_EVENT_PATH"])), &ev)
	pr := ev["pull_request"].(map[string]any)
	pr["base"].(map[string]any)["sha"] = base
	pr["head"].(map[string]any)["sha"] = head
	data, _ := json.Marshal(ev)
	eventPath := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(eventPath, data, 0o644)
	vars["GITHUB_EVENT_PATH"] = eventPath
	vars["GITHUB_SHA"] = head
	r := runActionWith(vars)
	if r.code != exitBlocking {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var comment string
	for _, c := range gh.Comments() {
		if strings.HasPrefix(c.Body, "<!-- tollgate:v1 ") {
			comment = c.Body
		}
	}
	for _, want := range []string{"DATA\\_LOSS", "What this change does", "Orders"} {
		if !strings.Contains(comment, want) {
			t.Errorf("the comment lacks %q:\n%s", want, comment)
		}
	}
	// The untouched template's open trust policy is not this change's doing.
	if strings.Contains(comment, "untouched.yaml") && strings.Contains(comment, "EXTERNAL\\_PRINCIPAL") {
		t.Errorf("the comment blames the change for an untouched template:\n%s", comment)
	}
}
