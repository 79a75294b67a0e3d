// Escaping for the two places report text lands: HTML markup and an inline JSON <script> block.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become \u escapes, so no
 * `</script>` or `<!--` can end or confuse the block, and JSON.parse still returns the original strings.
 * U+2028/2029 are escaped too so the text stays valid if someone pastes it into JavaScript.
 */
export function jsonForScriptBlock(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** One attribute with its value escaped: `attr("data-count", 3)` gives ` data-count="3"`. */
export function attr(name: string, value: string | number): string {
  return ` ${name}="${escapeHtml(value)}"`;
}
