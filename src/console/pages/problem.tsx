/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A refusal or an error as a page: what happened and where to go next (never a stack trace). */
export function ProblemPage(props: { title: string; message: string; requestId?: string }) {
  return (
    <>
      <h1>{props.title}</h1>
      <p class="error-box" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/console">Back to the review queue</a>
      </p>
      {props.requestId ? <p class="hint">Request id: {props.requestId}</p> : null}
    </>
  );
}
