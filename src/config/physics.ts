/**
 * config `simulation.physics`: the parameters of the signal and neutrino-background event classes
 * (src/sim/dark-photon.ts, nu-flux.ts, nu-elastic.ts, nue-ccqe.ts, nc-pi0.ts), each with its source.
 * References:
 *  [LDM]  SHiP Collaboration, "Sensitivity of the SHiP experiment to light dark matter", JHEP 04 (2021) 199.
 *  [DPR]  P. deNiverville, M. Pospelov, A. Ritz, "Observing a light dark matter beam with neutrino
 *         experiments", Phys. Rev. D 84 (2011) 075020 (χe → χe via a dark photon).
 *  [TP]   SHiP Collaboration, Technical Proposal, CERN-SPSC-2015-016, and "A facility to search for
 *         hidden particles at the CERN SPS: the SHiP physics case", Rep. Prog. Phys. 79 (2016) 124201:
 *         expected charged-current DIS interactions in the neutrino target for 2·10²⁰ protons on target.
 *  [PDG]  Particle Data Group, R.L. Workman et al., Prog. Theor. Exp. Phys. 2022, 083C01 (constants,
 *         electroweak couplings, neutrino cross-section review, passage of particles through matter).
 *  [FZ]   J.A. Formaggio, G.P. Zeller, "From eV to EeV: neutrino cross sections across energy scales",
 *         Rev. Mod. Phys. 84 (2012) 1307 (ν–e elastic, quasi-elastic and NC single-π⁰ cross sections).
 *  [BEM]  V. Bernard, L. Elouadrhiri, U.-G. Meißner, J. Phys. G 28 (2002) R1 (axial mass).
 *  [LS]   C.H. Llewellyn Smith, Phys. Rep. 3 (1972) 261 (quasi-elastic form factors).
 */
import type { z } from 'zod';
import { num, oneOf, section } from './kit.js';

const darkPhotonSchema = section(
  {
    chiMassGeV: num(
      0.02,
      { above: 0, max: 10 },
      "dark-matter mass m_χ, GeV (a point of the [LDM] mass scan where π⁰ → γA' is open)",
    ),
    mediatorMassRatio: num(3, { above: 2, max: 100 }, "m_A' / m_χ ([LDM] benchmark: 3)"),
    alphaD: num(
      0.1,
      { above: 0, max: 10 },
      'dark coupling α_D ([LDM] benchmark: 0.1); sets the rate, not the shape',
    ),
    chiSpin: oneOf(
      ['scalar', 'fermion'],
      'scalar',
      'spin of χ in dσ/dE_R ([DPR] give both; [LDM] benchmark: scalar)',
    ),
    parentXfPower: num(
      3,
      { min: 0, max: 20 },
      'power n of the π⁰ spectrum from the 400 GeV beam: dN/dx_F ∝ (1 − x_F)^n (quark counting for a meson in a proton, n ≈ 3); x_F = E_π / 400 GeV',
    ),
    beamEnergyGeV: num(400, { above: 0, max: 1e4 }, 'SPS proton beam energy, GeV ([TP])'),
  },
  "the signal: χe⁻ → χe⁻ via a dark photon, χ from π⁰ → γA' → γχχ",
);

const neutrinoFluxSchema = section(
  {
    ccNuMu: num(
      1.7e6,
      { min: 0 },
      'number of νμ CC DIS interactions per 2·10²⁰ pot in the SND target ([TP])',
    ),
    ccAntiNuMu: num(6.7e5, { min: 0 }, 'number of ν̄μ CC DIS interactions per 2·10²⁰ pot ([TP])'),
    ccNuE: num(2.7e5, { min: 0 }, 'number of νe CC DIS interactions per 2·10²⁰ pot ([TP])'),
    ccAntiNuE: num(5.7e4, { min: 0 }, 'number of ν̄e CC DIS interactions per 2·10²⁰ pot ([TP])'),
    meanEnergyMuGeV: num(29, { above: 0 }, 'mean energy of interacting (CC DIS) νμ and ν̄μ, GeV ([TP])'),
    meanEnergyEGeV: num(
      46,
      { above: 0 },
      'mean energy of interacting (CC DIS) νe and ν̄e, GeV ([TP]; charm decays: harder than νμ)',
    ),
    fluxShape: num(
      2,
      { above: 0, max: 50 },
      'flux dΦ/dE ∝ E^(k−1)·e^(−E/θ): shape k (a model choice; θ follows from the mean energies above)',
    ),
    maxEnergyGeV: num(350, { above: 1 }, 'end of the neutrino spectrum, GeV (SHiP: 2–350 GeV)'),
  },
  'the neutrino flux at the scattering and neutrino detector',
);

const crossSectionSchema = section(
  {
    sin2ThetaW: num(
      0.2312,
      { above: 0, max: 1 },
      'weak mixing angle sin²θ_W ([PDG]); tree level: g_V = −1/2 + 2 sin²θ_W, g_A = −1/2',
    ),
    ccSlopeNuCm2PerGeV: num(
      0.677e-38,
      { above: 0 },
      'slope σ/E of ν CC DIS per nucleon, cm²/GeV ([PDG] neutrino cross-section review)',
    ),
    ccSlopeAntiNuCm2PerGeV: num(
      0.334e-38,
      { above: 0 },
      'slope σ/E of ν̄ CC DIS per nucleon, cm²/GeV ([PDG])',
    ),
    ncOverCc: num(
      0.3,
      { min: 0, max: 2 },
      'NC/CC DIS ratio ([PDG], Llewellyn Smith: ≈ 0.3 for ν on an isoscalar target); the neutrino class is CC + NC DIS',
    ),
    qeCm2: num(
      1.0e-38,
      { above: 0 },
      'CC quasi-elastic σ per target neutron (ν) or proton (ν̄) above a few GeV, cm² ([FZ]: flat at ≈ 10⁻³⁸)',
    ),
    axialMassGeV: num(1.026, { above: 0 }, 'axial mass of the quasi-elastic dipole form factor, GeV ([BEM])'),
    ncPi0Cm2: num(
      0.15e-38,
      { above: 0 },
      'NC single-π⁰ σ per nucleon above a few GeV, cm² ([FZ]: resonant + coherent, flat at high energy; read off, ±50 %)',
    ),
    ncPi0MeanPtGeV: num(
      0.3,
      { above: 0, max: 5 },
      'mean transverse momentum of the π⁰ to the neutrino, GeV (resonance decay: p* ≈ 0.23 GeV for Δ → Nπ)',
    ),
    targetZOverA: num(82 / 207.2, { above: 0, max: 1 }, 'electrons per nucleon of the target (lead, [PDG])'),
    targetNOverA: num(125.2 / 207.2, { above: 0, max: 1 }, 'neutrons per nucleon of the target (lead)'),
  },
  'cross sections and target of the neutrino classes',
);

export const physicsSchema = section(
  {
    darkPhoton: darkPhotonSchema.prefault({}),
    flux: neutrinoFluxSchema.prefault({}),
    crossSections: crossSectionSchema.prefault({}),
  },
  'physics of the signal and the neutrino backgrounds, with sources',
);

export type PhysicsConfig = Readonly<z.output<typeof physicsSchema>>;
