package jwt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleNewMiddleware() {
	secret := []byte("a-32-byte-secret-for-the-example")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mw, err := jwt.NewMiddleware(jwt.Config{
		Methods:  []string{"HS256"},
		Keys:     map[string]any{"k1": secret},
		Audience: "books",
		Realm:    "bookstore",
		Now:      func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	addBook := mw(func(ctx context.Context, _ any) (any, error) {
		claims, _ := jwt.ClaimsFromContext(ctx)
		sub, _ := claims.GetSubject()
		return "added by " + sub, nil
	})

	// A client signs a token and attaches it with the client hook.
	tok := gojwt.NewWithClaims(gojwt.SigningMethodHS256, gojwt.MapClaims{
		"sub": "alice", "aud": "books", "exp": now.Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "k1"
	signed, _ := tok.SignedString(secret)
	r := httptest.NewRequest(http.MethodPost, "/books", nil)
	jwt.ContextToHTTP(jwt.ContextWithToken(context.Background(), signed), r)

	// The server hook moves the header into the context; the middleware checks it.
	fmt.Println(addBook(jwt.HTTPToContext(context.Background(), r), nil))

	// An expired token is refused with 401 and a challenge.
	now = now.Add(2 * time.Hour)
	_, err = addBook(jwt.HTTPToContext(context.Background(), r), nil)
	var h transport.Headerer
	errors.As(err, &h)
	fmt.Println(errors.Is(err, jwt.ErrTokenExpired), transport.StatusOf(err))
	fmt.Println(h.Headers().Get("WWW-Authenticate"))
	// Output:
	// added by alice <nil>
	// true 401
	// Bearer realm="bookstore", error="invalid_token", error_description="token expired"
}
