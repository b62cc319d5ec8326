package cloud

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// CallerIdentity returns the account and partition of the credentials of
// cfg, from STS GetCallerIdentity: the account templates are checked
// against when the caller deploys with these credentials.
func CallerIdentity(ctx context.Context, cfg aws.Config) (account, partition string, err error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", fmt.Errorf("STS GetCallerIdentity: %w", apiMessage(err))
	}
	account = aws.ToString(out.Account)
	if fields := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(fields) == 3 && fields[0] == "arn" {
		partition = fields[1]
	}
	return account, partition, nil
}
