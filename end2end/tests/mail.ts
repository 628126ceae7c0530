// The mail Sesame sends during the tests, as received by scripts/lib/mail_sink.py (started
// by playwright.config.ts): one JSON file per message and recipient in target/e2e-mail.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One message as the mail sink wrote it, for one envelope recipient. */
export type Mail = {
  /** The envelope recipient, lowercased. */
  to: string;
  from: string;
  /** The decoded subject. */
  subject: string;
  /** The decoded text/plain part, or the text of the HTML part when there is no plain part. */
  text: string;
  html: string | null;
  /** When the sink received it, in unix milliseconds. */
  received_at: number;
};

/** Where the mail sink writes (`--dir` in playwright.config.ts). */
export const MAIL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../target/e2e-mail");

const POLL_MS = 100;

// Files never change once written (the sink renames them into place): parse each once.
const parsed = new Map<string, Mail>();

/** Every message in the mail directory, oldest first. */
async function allMail(): Promise<Mail[]> {
  let names: string[];
  try {
    names = await readdir(MAIL_DIR);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return [];
    throw err;
  }
  const found: { mail: Mail; seq: number }[] = [];
  for (const name of names) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    let mail = parsed.get(name);
    if (!mail) {
      try {
        mail = JSON.parse(await readFile(path.join(MAIL_DIR, name), "utf8")) as Mail;
      } catch (err) {
        // Deleted since the listing (the sink restarted): not there any more.
        if ((err as { code?: string }).code === "ENOENT") continue;
        throw new Error(`cannot read ${path.join(MAIL_DIR, name)}: ${err}`);
      }
      parsed.set(name, mail);
    }
    // `<unix-ms>-<counter>.json`: the counter orders messages received in the same millisecond.
    found.push({ mail, seq: Number(name.split(/[-.]/)[1]) || 0 });
  }
  found.sort((a, b) => a.mail.received_at - b.mail.received_at || a.seq - b.seq);
  return found.map((f) => f.mail);
}

/**
 * Waits for a message to `to` (case-insensitive) received at or after `opts.after` (unix ms,
 * default 0) and returns the newest such message; throws after `opts.timeoutMs` (default 10 s).
 * Take `after` as `Date.now()` just before the action that sends the mail.
 */
export async function waitForMail(
  to: string,
  opts: { after?: number; timeoutMs?: number } = {},
): Promise<Mail> {
  const after = opts.after ?? 0;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const want = to.toLowerCase();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = await allMail();
    const matching = mail.filter((m) => m.to.toLowerCase() === want && m.received_at >= after);
    if (matching.length > 0) return matching[matching.length - 1];
    if (Date.now() >= deadline) {
      const since = after > 0 ? ` at or after ${new Date(after).toISOString()}` : "";
      const seen = [...new Set(mail.map((m) => m.to))];
      throw new Error(
        `no mail to ${want}${since} within ${timeoutMs} ms in ${MAIL_DIR}` +
          ` (${mail.length} message(s) there${seen.length ? `, to: ${seen.join(", ")}` : ""})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The verification code in a message: the first run of exactly six digits in its text. */
export function codeIn(mail: Mail): string {
  const match = /\b\d{6}\b/.exec(mail.text);
  if (!match) {
    throw new Error(`no 6-digit code in the mail to ${mail.to} ("${mail.subject}"):\n${mail.text}`);
  }
  return match[0];
}

/** The sign-in link in a message: the first URL of Sesame's link landing page. */
export function linkIn(mail: Mail): string {
  const match = /https?:\/\/\S+\/magic\?token=[A-Za-z0-9_-]+/.exec(mail.text);
  if (!match) {
    throw new Error(`no sign-in link in the mail to ${mail.to} ("${mail.subject}"):\n${mail.text}`);
  }
  return match[0];
}
