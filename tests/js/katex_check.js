#!/usr/bin/env node
// Renders LaTeX expressions with KaTeX, for chainrule's tests
// (tests/support/katex.py runs it once per batch).
//
// stdin: one JSON object
//   {"expressions": [string, ...], "displayMode": bool,
//    "strict": "error" | "warn" | "ignore", "output": "html" | "mathml" | "htmlAndMathml",
//    "markup": bool}
// stdout: one JSON object
//   {"katex": version, "results": [{"error": null | string, "markup"?: string}, ...]}
// one result per expression, in order. Exit status 0 unless the request itself is bad.
"use strict";

const katex = require("katex");

const MAX_INPUT_BYTES = 8 * 1024 * 1024; // the Python side enforces the same bound
const MAX_EXPRESSIONS = 20000;

function fail(message) {
  process.stderr.write(`katex_check.js: ${message}\n`);
  process.exit(2);
}

const chunks = [];
let size = 0;
process.stdin.on("data", (chunk) => {
  size += chunk.length;
  if (size > MAX_INPUT_BYTES) fail(`input over ${MAX_INPUT_BYTES} bytes`);
  chunks.push(chunk);
});
process.stdin.on("end", () => {
  let request;
  try {
    request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    fail(`input is not JSON: ${err.message}`);
  }
  const expressions = request.expressions;
  if (!Array.isArray(expressions) || !expressions.every((e) => typeof e === "string")) {
    fail("'expressions' must be a list of strings");
  }
  if (expressions.length > MAX_EXPRESSIONS) fail(`more than ${MAX_EXPRESSIONS} expressions`);
  const options = {
    displayMode: Boolean(request.displayMode),
    throwOnError: true,
    strict: request.strict || "error",
    output: request.output || "htmlAndMathml",
    trust: false, // no \href, \url, \includegraphics, \htmlClass...
    maxExpand: 1000, // bounded macro expansion
    maxSize: 100, // bounded rule and space sizes (em)
  };
  const results = expressions.map((expression) => {
    try {
      const markup = katex.renderToString(expression, options);
      return request.markup ? { error: null, markup } : { error: null };
    } catch (err) {
      return { error: String(err && err.message ? err.message : err) };
    }
  });
  process.stdout.write(JSON.stringify({ katex: katex.version, results }));
});
