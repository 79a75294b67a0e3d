// A throw-away certificate for 127.0.0.1: the SDKs send bearer tokens only over TLS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface Certificate {
  key: string;
  cert: string;
  /** Directory holding `ca.pem`; removed by `removeCertificateFile`. */
  directory: string;
  caFile: string;
}

export async function createCertificate(): Promise<Certificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 30 * 24 * 3600_000);
  // EC keys generate in milliseconds; RSA 2048 would add a noticeable pause to every test file.
  const pems = await generate([{ name: 'commonName', value: 'arm-emulator.localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const directory = mkdtempSync(join(tmpdir(), 'arm-emulator-'));
  const caFile = join(directory, 'ca.pem');
  writeFileSync(caFile, pems.cert, { mode: 0o644 });
  return { key: pems.private, cert: pems.cert, directory, caFile };
}

export function removeCertificateFile(certificate: Certificate): void {
  rmSync(certificate.directory, { recursive: true, force: true });
}
