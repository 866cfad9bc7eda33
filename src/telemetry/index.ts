export { createLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
