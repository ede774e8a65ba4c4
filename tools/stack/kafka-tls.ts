import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './processes';

/** What the broker's SASL_SSL listener needs, and what a client needs to trust it. */
export interface KafkaTlsMaterial {
  /** The CA's certificate, PEM (kafkajs' `ssl.ca`). */
  caFile: string;
  /** The broker's key and certificate chain, PKCS12. */
  keystoreFile: string;
  storePassword: string;
}

function keytool(args: string[]) {
  const result = spawnSync('keytool', args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const why = result.error?.message ?? (result.stderr || result.stdout).trim().split('\n').pop();
    throw new StackError(`kafka: keytool ${args[0]} failed (${why}); is a JDK installed?`);
  }
}

/**
 * A private CA and a broker certificate for 127.0.0.1 and localhost, made with the JDK's keytool
 * the first time and reused after (they last ten years): keytool starts a JVM per call, and seven
 * calls cost most of a minute on a busy machine. No truststore: the listener asks for no client
 * certificate, so the broker never has to trust one.
 */
export function ensureKafkaTlsMaterial(dir: string): KafkaTlsMaterial {
  const material: KafkaTlsMaterial = {
    caFile: join(dir, 'ca.pem'),
    keystoreFile: join(dir, 'broker.p12'),
    storePassword: '',
  };
  const passwordFile = join(dir, 'store-password');
  const done = join(dir, '.complete');
  if (existsSync(done)) return { ...material, storePassword: readFileSync(passwordFile, 'utf8') };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const password = randomBytes(12).toString('hex');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  const ca = join(dir, 'ca.p12');
  const csr = join(dir, 'broker.csr');
  const signed = join(dir, 'broker.pem');
  const store = (file: string) => [
    '-storetype',
    'PKCS12',
    '-keystore',
    file,
    '-storepass',
    password,
  ];
  const san = 'SAN=ip:127.0.0.1,dns:localhost';
  const key = ['-keyalg', 'RSA', '-keysize', '2048', '-validity', '3650'];
  keytool([
    '-genkeypair',
    '-alias',
    'ca',
    ...key,
    '-dname',
    'CN=Hookline test CA',
    '-ext',
    'bc:c',
    ...store(ca),
  ]);
  keytool(['-exportcert', '-rfc', '-alias', 'ca', '-file', material.caFile, ...store(ca)]);
  keytool([
    '-genkeypair',
    '-alias',
    'broker',
    ...key,
    '-dname',
    'CN=localhost',
    '-ext',
    san,
    ...store(material.keystoreFile),
  ]);
  keytool(['-certreq', '-alias', 'broker', '-file', csr, ...store(material.keystoreFile)]);
  keytool([
    '-gencert',
    '-alias',
    'ca',
    '-infile',
    csr,
    '-outfile',
    signed,
    '-rfc',
    '-validity',
    '3650',
    '-ext',
    san,
    ...store(ca),
  ]);
  keytool([
    '-importcert',
    '-noprompt',
    '-alias',
    'ca',
    '-file',
    material.caFile,
    ...store(material.keystoreFile),
  ]);
  keytool([
    '-importcert',
    '-noprompt',
    '-alias',
    'broker',
    '-file',
    signed,
    ...store(material.keystoreFile),
  ]);
  writeFileSync(done, new Date().toISOString());
  return { ...material, storePassword: password };
}
