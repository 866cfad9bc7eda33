#!/usr/bin/env python3
"""One-off migration, delete once applied: rewrites `import {...} from '<rel>/io/index.js'` so the
config-file and recording names come from their own barrels (src/config-file, src/recording).
Usage: python3 scripts/migrate-io-imports.py $(git grep -l "io/index.js'" -- src)
Then remove the two compatibility re-exports at the end of src/io/index.ts."""
import re, sys, os
CONFIG = {'loadConfig', 'readConfigFile'}
REC = {'openRecordingWriter', 'DEFAULT_BLOCK_BYTES', 'RecordingWriter', 'RecordingWriterOptions', 'RecordingSummary',
       'openRecording', 'readRecording', 'Recording', 'RecordingInfo', 'RecordingError', 'syncMarkerFromSeed',
       'META_SCHEMA_NAME', 'ContainerCodec'}
pat = re.compile(r"import (type )?\{([^}]*)\} from '((?:\.\./|\./)+(?:src/)?)(io/)?index\.js';")
for path in sys.argv[1:]:
    src = open(path).read()
    inio = '/src/io/' in os.path.abspath(path)
    def fix(m):
        typ, names, rel, io = m.group(1) or '', m.group(2), m.group(3), m.group(4)
        if io is None and not (inio and rel == './'):
            return m.group(0)
        base = rel if io else '../'
        parts = [n.strip() for n in names.split(',') if n.strip()]
        groups = {'io': [], 'config-file': [], 'recording': []}
        for p in parts:
            bare = p.replace('type ', '').split(' as ')[0].strip()
            groups['config-file' if bare in CONFIG else 'recording' if bare in REC else 'io'].append(p)
        out = []
        for g, ns in groups.items():
            if not ns:
                continue
            where = (rel + 'io/index.js') if (g == 'io' and io) else ('./index.js' if g == 'io' else f"{base}{g}/index.js")
            out.append(f"import {typ}{{ {', '.join(ns)} }} from '{where}';")
        return '\n'.join(out)
    new = pat.sub(fix, src)
    if new != src:
        open(path, 'w').write(new)
        print('rewrote', path)
