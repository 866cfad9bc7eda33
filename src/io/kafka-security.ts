/** TLS and SASL options of the kafkajs clients, from the validated config (PEM files read at start). */
import { readFileSync } from 'node:fs';
import type { KafkaConfig as KafkajsConfig, SASLOptions } from 'kafkajs';
import { ConfigError, type KafkaConfig } from '../config/index.js';

function readPem(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(field, 'a readable PEM file', `${path} (${(e as Error).message})`);
  }
}

/** TLS and SASL options for kafkajs from the validated config. Reads the PEM files now (a missing file fails at start). */
export function securityOptions(cfg: KafkaConfig): Pick<KafkajsConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkajsConfig, 'ssl' | 'sasl'> = {};
  if (cfg.ssl !== undefined) {
    const s = cfg.ssl;
    out.ssl = {
      rejectUnauthorized: s.rejectUnauthorized,
      ...(s.caFile === undefined ? {} : { ca: [readPem(s.caFile, 'kafka.ssl.caFile')] }),
      ...(s.certFile === undefined ? {} : { cert: readPem(s.certFile, 'kafka.ssl.certFile') }),
      ...(s.keyFile === undefined ? {} : { key: readPem(s.keyFile, 'kafka.ssl.keyFile') }),
    };
  }
  if (cfg.sasl !== undefined) {
    const { mechanism, username, password } = cfg.sasl;
    // Getter: the secret stays wrapped until kafkajs reads it for the handshake.
    out.sasl = {
      mechanism,
      username,
      get password() {
        return password.reveal();
      },
    } as SASLOptions;
  }
  return out;
}
