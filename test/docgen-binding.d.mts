/** Types of test/docgen-binding.mjs (the DOCGEN service binding of the workers tests). */
export function docgenBinding(request: Request): Promise<Response>;
