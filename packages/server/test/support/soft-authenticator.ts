import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** What a ceremony may be made to say instead of the truth, to attack the server with. */
export interface Tamper {
  origin?: string;
  rpId?: string;
  challenge?: string;
  counter?: number;
  userHandle?: Uint8Array;
}

/**
 * A WebAuthn authenticator in software (ES256, "none" attestation, user verified), answering the
 * options the Frontend API hands out with the JSON clerk-js posts back, so the server's checks can
 * be attacked one by one without a browser.
 */
export class SoftAuthenticator {
  readonly credentialId: Buffer = randomBytes(16);
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  private counter = 0;
  private userHandle: Uint8Array | undefined;

  constructor(private readonly origin: string) {}

  private coseKey(): Uint8Array {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
  }

  private authenticatorData(rpId: string, flags: number, attested?: Uint8Array): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter, ...(attested ? [attested] : [])]);
  }

  /** `navigator.credentials.create` on the creation options in a passkey's `verification.nonce`. */
  register(optionsJson: string, tamper: Tamper = {}): string {
    const options = JSON.parse(optionsJson) as { challenge: string; rp: { id: string }; user: { id: string } };
    this.userHandle = new Uint8Array(Buffer.from(options.user.id, 'base64url'));
    const clientData = JSON.stringify({ type: 'webauthn.create', challenge: tamper.challenge ?? options.challenge, origin: tamper.origin ?? this.origin, crossOrigin: false });
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.coseKey()]);
    // User present, user verified, attested credential data included.
    const authData = this.authenticatorData(tamper.rpId ?? options.rp.id, 0x01 | 0x04 | 0x40, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return JSON.stringify({
      id: b64(this.credentialId),
      rawId: b64(this.credentialId),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64(clientData), attestationObject: b64(attestationObject), transports: ['internal'] },
    });
  }

  /** `navigator.credentials.get` on the request options in a sign-in's `first_factor_verification.nonce`. */
  assert(optionsJson: string, tamper: Tamper = {}): string {
    const options = JSON.parse(optionsJson) as { challenge: string; rpId: string };
    this.counter = tamper.counter ?? this.counter + 1;
    const clientData = JSON.stringify({ type: 'webauthn.get', challenge: tamper.challenge ?? options.challenge, origin: tamper.origin ?? this.origin, crossOrigin: false });
    const authData = this.authenticatorData(tamper.rpId ?? options.rpId, 0x01 | 0x04);
    const signature = createSign('sha256').update(Buffer.concat([authData, sha256(clientData)])).sign(this.keys.privateKey);
    const handle = tamper.userHandle ?? this.userHandle;
    return JSON.stringify({
      id: b64(this.credentialId),
      rawId: b64(this.credentialId),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64(clientData), authenticatorData: b64(authData), signature: b64(signature), userHandle: handle ? b64(handle) : null },
    });
  }
}
