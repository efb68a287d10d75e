/** The instance's email settings, on the domain context. */
export interface EmailSettings {
  /** Messages go out over SMTP (GATEHOUSE_SMTP_URL is set); false: they go to the development inbox. */
  smtp: boolean;
  /**
   * `GET /dev/inbox` is served: no SMTP server, and either the server is local (loopback public
   * URL and bind address) or GATEHOUSE_DEV_INBOX=1. It shows sign-in codes to anyone who asks.
   */
  devInbox: boolean;
}
