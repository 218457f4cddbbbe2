import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The one link the mail is about, logged by the log mailer. */
  link?: string;
}

/** Delivers account mail (password resets). `send` never rejects: failures are logged. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** The default: no mail server needed; the operator reads the link from the log. */
export function logMailer(log: Logger): Mailer {
  return {
    async send(mail) {
      log.warn({ to: mail.to, subject: mail.subject, link: mail.link }, 'account mail (no SMTP configured): deliver this link to the user');
    },
  };
}

/** Sends through the SMTP server of CAIRN_SMTP_URL (`smtp://` with STARTTLS when offered, or `smtps://`). */
export function smtpMailer(url: string, from: string, log: Logger): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      try {
        await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      } catch (err) {
        // The caller's answer does not depend on delivery (a reset never says whether the email exists).
        log.error({ err, to: mail.to }, 'sending account mail failed');
      }
    },
  };
}

export function createMailer(opts: { smtpUrl?: string; from: string; log: Logger }): Mailer {
  return opts.smtpUrl ? smtpMailer(opts.smtpUrl, opts.from, opts.log) : logMailer(opts.log);
}
