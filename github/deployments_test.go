package github

import (
	"context"
	"net/http"
	"testing"

	"github.com/tollgate-dev/tollgate/github/githubtest"
)

func TestDeploymentsAreRecordedOnceAndReportStatuses(t *testing.T) {
	fake := githubtest.New(t)
	svc, err := NewServices(fake.URL(), "test-token-123456", "tollgate-test", http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	req := DeploymentRequest{Owner: "acme", Repo: "shop", SHA: "0123456789abcdef0123456789abcdef01234567", Ref: "main",
		Environment: "production", Task: "deploy:payments", Production: true, Description: "tollgate deploy of payments"}
	for run := 0; run < 2; run++ {
		d, err := StartDeployment(context.Background(), svc.Deployments, req, "https://github.com/acme/shop/actions/runs/1")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetStatus(context.Background(), DeployInProgress, "deploying payments", ""); err != nil {
			t.Fatal(err)
		}
		if err := d.SetStatus(context.Background(), DeploySuccess, "deployed", "https://shop.example.com"); err != nil {
			t.Fatal(err)
		}
	}
	ds := fake.Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments after two runs, want 1", len(ds))
	}
	st := ds[0].Statuses
	if len(st) != 4 || st[3].State != "success" || st[3].EnvironmentURL != "https://shop.example.com" || st[0].LogURL == "" {
		t.Errorf("statuses = %+v", st)
	}
	other := req
	other.Task = "deploy:web"
	if _, err := StartDeployment(context.Background(), svc.Deployments, other, ""); err != nil {
		t.Fatal(err)
	}
	if len(fake.Deployments()) != 2 {
		t.Error("a deploy of another stack reused the first one's deployment")
	}
}

func TestDeploymentStatusesIgnoreURLsThatAreNotWeb(t *testing.T) {
	fake := githubtest.New(t)
	svc, _ := NewServices(fake.URL(), "test-token-123456", "tollgate-test", http.DefaultTransport)
	d, err := StartDeployment(context.Background(), svc.Deployments, DeploymentRequest{Owner: "acme", Repo: "shop",
		SHA: "0123456789abcdef0123456789abcdef01234567", Environment: "integration", Task: "deploy:x"}, "")
	if err != nil {
		t.Fatal(err)
	}
	d.SetStatus(context.Background(), DeploySuccess, "ok", "javascript:alert(1)")
	if got := fake.Deployments()[0].Statuses[0].EnvironmentURL; got != "" {
		t.Errorf("environment URL = %q", got)
	}
}
