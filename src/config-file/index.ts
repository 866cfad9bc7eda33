/**
 * Reading the configuration: the schema's defaults ← --config files ← environment ← flags. Apart
 * from io (Kafka, models) so that every command can read its configuration without loading them.
 */
export { loadConfig, readConfigFile } from './config-file.js';
