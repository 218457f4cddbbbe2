import type { Logger } from 'pino';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The one link the mail is about, logged by the log mailer. */
  link?: string;
}

/** Delivers account mail (password resets). An SMTP implementation plugs in here. */
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
