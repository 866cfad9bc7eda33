/**
 * The event display (three.js): one scene with the three TT stations in place along z, the hits
 * coloured by DBSCAN cluster (grey: noise), the cluster centres (the chosen one ringed), the
 * fitted shower axis and the reconstructed vertex. A 3D view (drag to rotate, wheel to zoom) on the
 * left, and one view per station looking down the beam on the right, where the axis shows as its
 * crossing point with the plane (a white cross).
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { CandidateDetail, DisplayInfo } from '../../src/display/protocol.js';

const CLUSTER_COLOURS = [0x4ea1ff, 0x52c41a, 0xfaad14, 0xeb2f96, 0x13c2c2, 0x9254de];
const NOISE = 0x5c6670;
const AXIS_COLOUR = 0xffffff;
const VERTEX_COLOUR = 0xffd700;
/** Layer of what only the 3D view shows (the axis and the vertex); station k's objects are on layer k + 1. */
const LAYER_3D = 31;

export class EventView {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly cam3d = new THREE.PerspectiveCamera(40, 1, 0.1, 2000);
  private readonly camSt: THREE.OrthographicCamera[] = [];
  private readonly controls: OrbitControls;
  private content = new THREE.Group();
  private halfCm = 3;
  /** Transverse magnification of the scene, so a shower a few cm wide shows beside stations 13 cm apart. */
  private k = 1;
  private centre = new THREE.Vector3();
  private readonly labels: HTMLElement[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    labelBox: HTMLElement,
    private readonly info: DisplayInfo,
  ) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio);
    this.renderer.setScissorTest(true);
    this.scene.add(this.content);
    this.cam3d.layers.enableAll();
    for (let s = 0; s < info.geometry.nStations; s++) {
      const c = new THREE.OrthographicCamera(-1, 1, 1, -1, -1000, 1000);
      c.layers.set(s + 1);
      this.camSt.push(c);
      const l = document.createElement('div');
      l.className = 'vlabel';
      labelBox.appendChild(l);
      this.labels.push(l);
    }
    const l3 = document.createElement('div');
    l3.className = 'vlabel';
    labelBox.appendChild(l3);
    this.labels.push(l3);
    this.controls = new OrbitControls(this.cam3d, canvas);
    this.controls.addEventListener('change', () => this.render());
    new ResizeObserver(() => this.render()).observe(canvas);
  }

  show(d: CandidateDetail): void {
    this.scene.remove(this.content);
    this.content.traverse((o) => {
      if (o instanceof THREE.Mesh || o instanceof THREE.Points || o instanceof THREE.Line) {
        o.geometry.dispose();
        (o.material as THREE.Material).dispose();
      }
    });
    this.content = new THREE.Group();
    this.scene.add(this.content);
    const g = this.info.geometry;

    // View region: around the clusters the track uses (else all clustered hits), at least ±2 cm.
    const pts = d.stations.flatMap((s) =>
      s.clusters.filter((c) => c.chosen).map((c) => new THREE.Vector2(c.xCm, c.yCm)),
    );
    if (pts.length === 0) pts.push(new THREE.Vector2(d.xCm, d.yCm));
    const box = new THREE.Box2().setFromPoints(pts);
    const mid = box.getCenter(new THREE.Vector2());
    let half = 2;
    for (const s of d.stations) {
      s.hits.cluster.forEach((c, i) => {
        if (c >= 0) half = Math.max(half, Math.abs(s.hits.xCm[i]! - mid.x), Math.abs(s.hits.yCm[i]! - mid.y));
      });
    }
    this.halfCm = Math.min(half * 1.15, 20);
    const zMax = (g.nStations - 1) * g.stationPitchCm;
    const zSpan = zMax - Math.min(d.vertex.zCm, 0);
    this.k = Math.max(1, Math.round(zSpan / 2 / (2 * this.halfCm)));
    this.content.scale.set(this.k, this.k, 1);
    this.centre.set(mid.x * this.k, mid.y * this.k, (Math.min(d.vertex.zCm, 0) + zMax) / 2);

    for (const s of d.stations) {
      const layer = s.station + 1;
      // The station plane within the view region, and its outline.
      const plane = new THREE.Mesh(
        new THREE.PlaneGeometry(2 * this.halfCm, 2 * this.halfCm),
        new THREE.MeshBasicMaterial({
          color: 0x1d2a36,
          transparent: true,
          opacity: 0.55,
          side: THREE.DoubleSide,
          depthWrite: false,
        }),
      );
      plane.position.set(mid.x, mid.y, s.zCm);
      plane.layers.set(layer);
      this.content.add(plane);
      const pos: number[] = [];
      const col: number[] = [];
      const c = new THREE.Color();
      s.hits.xCm.forEach((x, i) => {
        const y = s.hits.yCm[i]!;
        if (Math.abs(x - mid.x) > this.halfCm || Math.abs(y - mid.y) > this.halfCm) return;
        const k = s.hits.cluster[i]!;
        c.setHex(k < 0 ? NOISE : CLUSTER_COLOURS[k % CLUSTER_COLOURS.length]!);
        pos.push(x, y, s.zCm);
        col.push(c.r, c.g, c.b);
      });
      const geom = new THREE.BufferGeometry();
      geom.setAttribute('position', new THREE.Float32BufferAttribute(pos, 3));
      geom.setAttribute('color', new THREE.Float32BufferAttribute(col, 3));
      // Drawn after the translucent plane they lie in (transparent pass, later render order):
      // at equal depth the plane would otherwise blend over them, or not, pixel by pixel.
      const hits = new THREE.Points(
        geom,
        new THREE.PointsMaterial({ size: 4, sizeAttenuation: false, vertexColors: true, transparent: true }),
      );
      hits.renderOrder = 1;
      hits.layers.set(layer);
      this.content.add(hits);
      for (const cl of s.clusters) {
        const ring = new THREE.Mesh(
          new THREE.RingGeometry(
            this.halfCm * (cl.chosen ? 0.07 : 0.045),
            this.halfCm * (cl.chosen ? 0.09 : 0.055),
            32,
          ),
          new THREE.MeshBasicMaterial({ color: cl.chosen ? AXIS_COLOUR : 0x8a96a3, side: THREE.DoubleSide }),
        );
        ring.position.set(cl.xCm, cl.yCm, s.zCm + 0.01);
        ring.layers.set(layer);
        this.content.add(ring);
      }
    }
    if (d.track !== null) {
      const t = d.track;
      const at = (z: number): THREE.Vector3 =>
        new THREE.Vector3(t.x0Cm + t.slopeX * z, t.y0Cm + t.slopeY * z, z);
      const line = new THREE.Line(
        new THREE.BufferGeometry().setFromPoints([at(Math.min(d.vertex.zCm, 0)), at(zMax + 3)]),
        new THREE.LineBasicMaterial({ color: AXIS_COLOUR }),
      );
      line.layers.set(LAYER_3D);
      this.content.add(line);
      for (const s of d.stations) {
        const p = at(s.zCm);
        const a = this.halfCm * 0.06;
        const cross = new THREE.LineSegments(
          new THREE.BufferGeometry().setFromPoints([
            p.clone().add(new THREE.Vector3(-a, -a, 0.02)),
            p.clone().add(new THREE.Vector3(a, a, 0.02)),
            p.clone().add(new THREE.Vector3(-a, a, 0.02)),
            p.clone().add(new THREE.Vector3(a, -a, 0.02)),
          ]),
          new THREE.LineBasicMaterial({ color: AXIS_COLOUR }),
        );
        cross.layers.set(s.station + 1);
        this.content.add(cross);
      }
    }
    const vtx = new THREE.Mesh(
      new THREE.SphereGeometry(this.halfCm * 0.05, 16, 12),
      new THREE.MeshBasicMaterial({ color: VERTEX_COLOUR }),
    );
    vtx.position.set(d.vertex.xCm, d.vertex.yCm, d.vertex.zCm);
    vtx.layers.set(LAYER_3D);
    this.content.add(vtx);

    // 3D camera: oblique, looking at the middle of the region, far enough to see the stations.
    const span = Math.max(zSpan, 2 * this.halfCm * this.k);
    this.cam3d.position.set(
      this.centre.x + span * 0.75,
      this.centre.y + span * 0.45,
      this.centre.z - span * 0.85,
    );
    this.cam3d.up.set(0, 1, 0);
    this.controls.target.copy(this.centre);
    this.controls.update();
    this.labels[this.labels.length - 1]!.textContent =
      `3D, transverse ×${this.k} (drag to rotate, wheel to zoom) · white: fitted axis · yellow: vertex`;
    d.stations.forEach(
      (s, k) =>
        (this.labels[k]!.textContent =
          `station ${s.station + 1} · z = ${s.zCm} cm · ${s.hitsTotal} hits, ${s.clusters.length} clusters`),
    );
    this.render();
  }

  render(): void {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (w === 0 || h === 0) return;
    this.renderer.setSize(w, h, false);
    this.renderer.setClearColor(0x0b0f13);
    const n = this.camSt.length;
    const side = Math.min(Math.floor(h / n), Math.floor(w * 0.38));
    const w3 = w - side - 4;
    // three.js viewports count y from the bottom.
    this.view(this.cam3d, 0, 0, w3, h);
    this.place(this.labels[n]!, 6, 4);
    this.cam3d.aspect = w3 / h;
    this.cam3d.updateProjectionMatrix();
    this.renderer.render(this.scene, this.cam3d);
    this.camSt.forEach((c, k) => {
      const top = k * side;
      this.view(c, w3 + 4, h - top - side, side, side - 2);
      const h2 = this.halfCm * this.k;
      c.left = this.centre.x - h2;
      c.right = this.centre.x + h2;
      c.top = this.centre.y + h2;
      c.bottom = this.centre.y - h2;
      // Seen from downstream (looking along −z): +x to the right, +y up.
      c.position.set(0, 0, 100);
      c.up.set(0, 1, 0);
      c.lookAt(0, 0, 0);
      c.updateProjectionMatrix();
      this.renderer.render(this.scene, c);
      this.place(this.labels[k]!, w3 + 8, top + 2);
    });
  }

  private view(_c: THREE.Camera, x: number, y: number, w: number, h: number): void {
    this.renderer.setViewport(x, y, w, h);
    this.renderer.setScissor(x, y, w, h);
  }

  private place(el: HTMLElement, left: number, top: number): void {
    el.style.left = `${left}px`;
    el.style.top = `${top}px`;
  }
}
