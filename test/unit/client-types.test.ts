/**
 * The typed client: `hc<AppType>` (hono/client) must know the API's routes. The type assertions below are checked by
 * `tsc` (here, over examples/tsconfig.json, which also checks examples/client.mjs; and by `npm run typecheck`):
 * each `@ts-expect-error` fails the check if the client stops rejecting that mistake, e.g. if AppType decayed to
 * `any`. The runtime test proves hc builds the URLs the routes serve.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hc } from "hono/client";
import type { InferRequestType, InferResponseType } from "hono/client";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { AppType } from "../../src/index";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const api = hc<AppType>("http://127.0.0.1:8787", { headers: { "X-API-Key": "ekyc_test_example" } });

/** Never called: its body is what tsc checks. */
export function typeAssertions() {
  type Verification = InferResponseType<(typeof api.v1.verifications)[":id"]["$get"], 200>;
  expectTypeOf<Verification["id"]>().toEqualTypeOf<string>();
  expectTypeOf<"verified">().toExtend<Verification["status"]>();
  expectTypeOf<Verification["reasons"]>().toEqualTypeOf<string[]>();
  type Created = InferResponseType<typeof api.v1.verifications.$post, 201>;
  expectTypeOf<Created["id"]>().toEqualTypeOf<string>();
  expectTypeOf<"created">().toExtend<Created["status"]>();
  type ListQuery = InferRequestType<typeof api.v1.verifications.$get>["query"];
  expectTypeOf<{ status: "verified" }>().toExtend<ListQuery>();

  // @ts-expect-error no such route
  api.v1.verificationz.$get();
  // @ts-expect-error the path parameter `id` is required
  api.v1.verifications[":id"].$get({ param: {} });
  // @ts-expect-error consent is required to create a verification
  api.v1.verifications.$post({ json: { applicant: { first_name: "E", last_name: "M", date_of_birth: "1984-08-12", country: "DE" }, document: { type: "id_card" } } });
  // @ts-expect-error not a media kind
  api.v1.verifications[":id"].media[":kind"].$put({ param: { id: "ver_1", kind: "passport_photo" }, form: { file: new Blob() } });
  // @ts-expect-error not a verification status
  api.v1.verifications.$get({ query: { status: "approved" } });
}

describe("the typed client", () => {
  it("builds the URLs the API's routes serve", () => {
    expect(api.v1.verifications[":id"].media[":kind"].$url({ param: { id: "ver_1", kind: "selfie" } }).pathname).toBe("/v1/verifications/ver_1/media/selfie");
    expect(api.v1.verifications.$url({ query: { status: "verified" } }).search).toBe("?status=verified");
  });

  it(
    "type-checks examples/client.mjs and rejects wrong paths, parameters and bodies (tsc -p examples)",
    async () => {
      const output = await new Promise<string>((resolve) => {
        execFile(path.join(root, "node_modules", ".bin", "tsc"), ["-p", "examples", "--pretty", "false"], { cwd: root, timeout: 280_000 }, (_err, stdout, stderr) =>
          resolve(stdout + stderr),
        );
      });
      // Other files' errors (work in progress elsewhere) are not this test's business; the example's and ours are.
      const ours = output.split("\n").filter((line) => line.startsWith("examples/") || line.includes("client-types.test.ts"));
      expect(ours).toEqual([]);
      expect(output).not.toMatch(/error TS(5\d\d\d|6\d\d\d)/); // configuration errors would make the check vacuous
    },
    300_000,
  );
});
