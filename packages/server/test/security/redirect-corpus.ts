/**
 * Redirect targets that must never be followed, for an instance whose allowed origins are `APP`
 * and `LOCAL_APP`: other hosts dressed as the app (suffixes, userinfo, backslashes, encodings,
 * Unicode look-alikes and separators), other schemes, other ports, whitespace and control
 * characters that parsers disagree about.
 */
export const APP = 'https://app.example.com';
export const LOCAL_APP = 'http://localhost:5173';

export const HOSTILE_REDIRECTS: readonly string[] = [
  'https://evil.example/',
  'https://app.example.com.evil.example/',
  'https://evil.example/?https://app.example.com',
  'https://evil.example#@app.example.com',
  'https://evil.example?@app.example.com',
  'http://app.example.com/',
  'https://app.example.com:8443/',
  'http://localhost:5174/',
  '//evil.example/x',
  '///evil.example/x',
  '/\\evil.example/x',
  '\\\\evil.example/x',
  'https:\\\\evil.example',
  'https://evil.example\\@app.example.com/',
  'https://app.example.com@evil.example/',
  'https://user:pass@app.example.com/',
  'https://app.example.com%40evil.example/',
  'https://app.example.com\uff0eevil.example/',
  'https://app.example.com\u3002evil.example/',
  'https://\u0430pp.example.com/',
  'https://evil.example\u2215app.example.com/',
  'javascript:alert(1)',
  'JavaScript://app.example.com/%0aalert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  ' https://app.example.com/',
  'https://app.example.com/\n',
  'https://app.example.com/\u2028',
  'https://app.example.com/\u0000',
  'file:///etc/passwd',
  'ftp://app.example.com/',
  'https://[::1]/',
  `https://app.example.com/${'a'.repeat(3000)}`,
  '',
];
