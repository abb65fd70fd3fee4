package webhook_test

import "errors"

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }

// hmacMatches is verifySignature without the timestamp's tolerance.
func hmacMatches(r received, secret string) bool {
	return verifySignatureAt(r, secret) > 0
}
