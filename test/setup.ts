/**
 * Runs before every workers test file: applies the D1 migrations to the local database and makes sure the
 * ONNX models are in the local R2 MODELS bucket (as scripts/models.mjs does for `npm run dev`).
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll } from "vitest";

const MODEL_FILES = ["fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx", "fr_liveness.onnx", "ocr_rec.onnx"];

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  await Promise.all(
    MODEL_FILES.map(async (file) => {
      if (await env.MODELS.head(file)) return;
      const res = await env.MODEL_FILES.fetch(`http://models/${file}`);
      if (!res.ok) throw new Error(`model ${file} unavailable to tests: ${res.status}`);
      await env.MODELS.put(file, await res.arrayBuffer());
    }),
  );
});
