// Vite inlines `?inline` imports as data URLs (used for the face-api demo photos in tests).
declare module "*.jpg?inline" {
  const dataUrl: string;
  export default dataUrl;
}
