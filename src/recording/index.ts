/**
 * Recordings: hit frames in an Avro object container file (`simulate --out`, `record`, `replay`,
 * `inspect`). Only files and avsc: no Kafka, no TensorFlow, so the commands that write or read a
 * recording start without loading either.
 */
export {
  openRecordingWriter,
  DEFAULT_BLOCK_BYTES,
  type RecordingWriter,
  type RecordingWriterOptions,
  type RecordingSummary,
} from './recording-writer.js';
export { openRecording, readRecording, type Recording, type RecordingInfo } from './recording-reader.js';
export {
  RecordingError,
  syncMarkerFromSeed,
  META_SCHEMA_NAME,
  type ContainerCodec,
} from './recording-format.js';
