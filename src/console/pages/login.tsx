/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The sign-in form: email and password, checked as POST /v1/auth/login checks them. */
export function LoginPage(props: { error?: string; email?: string; notice?: string }) {
  return (
    <>
      <h1>Sign in</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.error ? (
        <p class="error-box" role="alert" id="login-error">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/console/login" class="stack">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ""} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </>
  );
}
