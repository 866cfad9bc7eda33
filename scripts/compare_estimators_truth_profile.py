#!/usr/bin/env python3
"""How much of the shower-to-shower profile fluctuation (ln T, ln α) the hits reveal: boosted trees (scikit-learn defaults)
on the rich features of the ideal readout and of the detector hits, against the spread left given the true energy.
Reads what scripts/compare-estimators-truth.ts wrote. usage: compare_estimators_truth_profile.py [DIR]"""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
src = sys.argv[1] if len(sys.argv) > 1 else 'out/compare-truth'
c=json.load(open(f'{src}/truth-columns.json'))
tr=np.fromfile(f'{src}/truth-train.f64').reshape(-1,len(c)); te=np.fromfile(f'{src}/truth-test.f64').reshape(-1,len(c))
P=[i for i,n in enumerate(c) if n.startswith('p')]; F=[i for i,n in enumerate(c) if n.startswith('f')]
E=c.index('energy_gev')
for tgt in ['t_tmax_x0','t_alpha']:
    j=c.index(tgt)
    ok_tr=np.isfinite(tr[:,j]); ok_te=np.isfinite(te[:,j])
    y_tr=np.log(tr[ok_tr,j]); y_te=np.log(te[ok_te,j])
    # the part of ln T / ln alpha not explained by the true energy (the shower-to-shower fluctuation)
    base=HistGradientBoostingRegressor(random_state=0).fit(np.log(tr[ok_tr][:,[E]]), y_tr)
    r_te=y_te-base.predict(np.log(te[ok_te][:,[E]]))
    for name,cols in [('ideal readout rich',P),('detector rich',F),('ideal rich + true E',P+[E])]:
        m=HistGradientBoostingRegressor(random_state=0).fit(tr[ok_tr][:,cols], y_tr)
        res=y_te-m.predict(te[ok_te][:,cols])
        print(f'{tgt}: ln sd {y_te.std():.3f}; sd given true E {r_te.std():.3f}; {name}: residual sd {res.std():.3f}', flush=True)
