// Writes expected.json beside each real tokenizer the tests use: the ids transformers.js gives for
// hard strings, for one raw prompt and for the chat prompt with add_generation_prompt, and the
// special tokens. Run from this folder after `npm install --ignore-scripts`:
//   node make-expected.mjs ../../resources/io/sppo4j/model/tokenizer/real/qwen3 ~/.cache/sppo4j/tokenizers/llama3 ...
// Each argument is a directory with tokenizer.json and tokenizer_config.json; expected.json goes
// to the directory of the same name under ../../resources/io/sppo4j/model/tokenizer/real/.
import { AutoTokenizer, env } from "@huggingface/transformers";
import fs from "node:fs";
import path from "node:path";

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = "/";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const OUT = path.resolve(HERE, "../../resources/io/sppo4j/model/tokenizer/real");

// Strings where tokenizers differ when they differ at all: accents, CJK, emoji with zero-width
// joiners and modifiers, code with tabs and indentation, a URL, literal special-token text,
// numbers, CRLF and blank lines, non-breaking and zero-width spaces, leading and trailing blanks.
export const TEXTS = [
  "Hello, world!",
  "naïve café — résumé, Ωμέγα, Ünïcödé",
  "日本語のテキストと中文混合，한국어도。",
  "👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs",
  "def f(x):\n    return x ** 2  # square\n\tprint(f'{x=}')",
  "https://example.com/a/b?q=a%20b&x=1#frag",
  "literal <|im_end|> and <|eot_id|> and <|begin_of_text|> text",
  "numbers 1234567890 3.14159 -42 1e-9",
  "line1\r\nline2\n\n\nline5",
  "mixed\u00a0nbsp\u200bzero-width",
  "   leading and trailing blanks   ",
];
// One prompt holding them all: what the tests pass to the shipped jar in a single run.
export const JOINED = TEXTS.join("\n");

function ids(encoded) {
  return Array.from(encoded, Number);
}

for (const dir of process.argv.slice(2)) {
  const absolute = path.resolve(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(absolute, { local_files_only: true });
  const messages = [{ role: "user", content: JOINED }];
  const rendered = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
  const expected = {
    source: "transformers.js 4.3.2 (model/src/test/node/tokenizer-expectations/make-expected.mjs)",
    bos_token_id: tokenizer.bos_token_id ?? null,
    eos_token_id: tokenizer.eos_token_id ?? null,
    // encode(text) with add_special_tokens=true: the post-processor decides about BOS.
    texts: TEXTS.map((text) => ({ text, ids: ids(tokenizer.encode(text)) })),
    raw: { prompt: JOINED, ids: ids(tokenizer.encode(JOINED)) },
    chat: {
      messages,
      add_generation_prompt: true,
      rendered,
      ids: ids(tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_dict: false, return_tensor: false })),
    },
  };
  const target = path.join(OUT, path.basename(absolute), "expected.json");
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // One line per id list, so that a diff shows which case changed.
  const json = JSON.stringify(expected, null, 1).replace(/\[[\d,\s]*\]/g, (list) => list.replace(/\s+/g, ""));
  fs.writeFileSync(target, json + "\n");
  console.log(`${target}: raw ${expected.raw.ids.length} ids, chat ${expected.chat.ids.length} ids`);
}
