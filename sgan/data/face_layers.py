"""Drawing a synthetic face, layer by layer, back to front (background, hair, body, face, features, fringe).

Each layer paints a ``Canvas`` (``sgan.data.face_canvas``) through windows that bound it, so the rarer parts
(beard, glasses) cost only the images that have them; ``draw`` runs the layers for a chunk of faces and
``landmarks`` says where their parts are.
"""

from __future__ import annotations

import numpy as np

from sgan.data import hashing
from sgan.data import sdf as S
from sgan.data.face_canvas import F32, Canvas, View, hat_weights, pixel_hash, rgb
from sgan.data.face_layout import (
    EAR_Y,
    FACE_A,
    MOTTLE_GRID,
    MOUTH_W,
    MOUTH_Y,
    N_FRECKLES,
    NOSE_Y,
    Detail,
    Layout,
)
from sgan.data.face_layout import landmarks as _landmarks

_SHIRT: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}


# ------------------------------------------------------------------------------------------------ layers


def background(cv: Canvas, det: Detail) -> np.ndarray:
    """Background colour × (vertical light gradient + mottling + speckle); returns the speckle [n, R, R]."""
    wy, wx = hat_weights(cv.y, MOTTLE_GRID), hat_weights(cv.x, MOTTLE_GRID)  # [G, R]
    grid = det.mottle.astype(F32)  # [n, G, G] in [-1, 1]: bilinear value noise, G×G control points
    rows = sum(grid[:, :, j, None] * wx[j][None, None, :] for j in range(MOTTLE_GRID))  # [n, G, R]
    lum = F32(1.05) - F32(0.10) * (cv.y + F32(1.0))  # [1, R, 1] lighter at the top
    for i in range(MOTTLE_GRID):
        lum = lum + (F32(0.03) * wy[i][None, :, None]) * rows[:, i, None, :]  # [n, R, R]
    speckle = hashing.unit32(hashing.hash32(det.speckle_key ^ pixel_hash(cv.R))) - F32(0.5)  # [n, R, R]
    lum += F32(0.04) * speckle
    np.multiply(cv.lay.col("bg"), lum[:, None], out=cv.rgb)
    return speckle


def strands(X: np.ndarray, Y: np.ndarray, lay: Layout, det: Detail, resolution: int) -> np.ndarray:
    """Hair-strand texture in [-1, 1]: triangle waves across wavy lines that fan out from the crown.

    A wave finer than the pixels would alias (moiré), so each fades out between 0.15 and 0.3 cycles per pixel
    (about 2.1 f / R for frequency f): what a box filter does to detail below the pixel size.
    """
    t = (X - lay.p("hair_dx")) / np.maximum(Y + F32(0.62), F32(0.12))
    t += F32(0.02) * S.tri(Y * det.p(det.wave_freq) + det.p(det.wave_phase))
    out = None
    for k, amp in enumerate((0.5, 0.3, 0.2)):
        cycles_per_px = 2.1 * det.strand_freq[:, k] / resolution
        gain = amp * np.clip((0.3 - cycles_per_px) / 0.15, 0.0, 1.0)
        if not gain.any():
            continue
        wave = det.p(gain) * S.tri(t * det.p(det.strand_freq[:, k]) + det.p(det.strand_phase[:, k]))
        out = wave if out is None else out + wave
    return np.zeros_like(t) if out is None else out


class Hair:
    """The hair silhouette (a cap behind the head, a curtain for long hair) and its strand texture, evaluated
    in the window that holds both (``view``)."""

    CAP_Y, CURTAIN_Y, CURTAIN_H = -0.07, 0.26, 0.52

    def __init__(self, cv: Canvas, det: Detail):
        lay = cv.lay
        long = lay.v["long_hair"]
        self.curtain_w = lay.v["a"] * 1.22 + 0.03
        half_w = np.maximum(lay.v["hair_a"], self.curtain_w * long)
        bottom = np.maximum(self.CAP_Y + lay.v["hair_b"], (self.CURTAIN_Y + self.CURTAIN_H) * long)
        self.view = view = cv.around_box(lay.v["hair_dx"] - half_w, lay.v["hair_dx"] + half_w,
                                         self.CAP_Y - lay.v["hair_b"], bottom)
        Xh = view.X - lay.p("hair_dx")
        self.cap = S.ellipse(Xh, view.Y - F32(self.CAP_Y), lay.p("hair_a"), lay.p("hair_b"))
        if long.any():  # chunks come sorted by hair length: a short-haired chunk skips the curtain
            off = S.BIG * (F32(1.0) - lay.p("long_hair"))
            curtain_w = self.curtain_w.astype(F32)[:, None, None]
            self.curtain = S.rounded_box(Xh, view.Y - F32(self.CURTAIN_Y), curtain_w, F32(self.CURTAIN_H),
                                         F32(0.16)) + off
        else:
            self.curtain = np.full_like(self.cap, S.BIG)  # as if switched off by +BIG: the same bytes
        self.texture = strands(view.X, view.Y, lay, det, cv.R)
        lum = F32(1.0) + F32(0.16) * self.texture - F32(0.22) * np.clip(view.Y - F32(0.1), 0.0, 0.6)
        self.lum = lum[:, None]  # [n, 1, h, w]


def hair_back(cv: Canvas, hair: Hair) -> None:
    if not hair.view.empty:
        with hair.view as view:
            view.paint(view.cover(np.minimum(hair.cap, hair.curtain)), cv.lay.col("hair", 0.82) * hair.lum)


def _shirt(cv: Canvas) -> tuple[np.ndarray, np.ndarray, int]:
    """The shirt's coverage and shading below row r0 (the same for every image: cached per resolution)."""
    if cv.R not in _SHIRT:
        r0 = int(np.floor((0.62 + 1.0) * cv.R / 2.0 - 0.5))
        y = cv.y[:, r0:, :]
        d = S.ellipse(cv.x, y - F32(1.32), F32(0.85), F32(0.62))  # [1, h, R]
        lum = (F32(1.0) - F32(0.35) * cv.x * cv.x) + F32(0.0) * y  # [1, h, R]
        _SHIRT[cv.R] = (S.coverage(d, F32(cv.R / 2.0)), lum[:, None], r0)
    return _SHIRT[cv.R]


def body(cv: Canvas) -> None:
    """Neck and shoulders in the image frame (the body does not roll or turn)."""
    lay = cv.lay
    view = cv.image_window(-0.5, 0.5, 0.25, 1.0)
    if view.empty:
        return
    neck_w = F32(0.17) * lay.p("s") * (F32(0.6) + F32(0.4) * lay.p("a") / F32(FACE_A))
    neck = S.rounded_box(view.x, view.y - F32(0.72), neck_w, F32(0.30), F32(0.05))
    shade = F32(0.70) + F32(0.16) * np.clip((view.y - F32(0.50)) * F32(5.0), 0.0, 1.0)
    with view:
        view.paint(S.coverage(neck, F32(cv.R / 2.0)), lay.col("skin") * shade[:, None])
    cov, lum, r0 = _shirt(cv)
    low = cv.rgb[:, :, r0:, :]
    S.over(low, np.broadcast_to(cov, (lay.n,) + cov.shape[1:]), lay.col("shirt") * lum)
    collar_view = cv.image_window(-0.5, 0.5, 0.55, 0.85)
    collar = S.ellipse(collar_view.x, collar_view.y - F32(0.705), neck_w * F32(1.05), F32(0.07))
    shirt_d = S.ellipse(collar_view.x, collar_view.y - F32(1.32), F32(0.85), F32(0.62))
    with collar_view:
        collar_view.paint(S.coverage(np.maximum(collar, shirt_d), F32(cv.R / 2.0)), lay.col("skin", 0.86))


def ears(cv: Canvas) -> None:
    lay = cv.lay
    for key in ("earL", "earR"):
        view = cv.around(lay.v[key], np.full(lay.n, EAR_Y), 0.105)
        if view.empty:
            continue
        u, v = view.X - lay.p(key), view.Y - F32(EAR_Y)
        inner = S.ellipse(u * F32(1.4), v - F32(0.005), F32(0.055), F32(0.085))
        with view:
            view.paint(view.cover(S.ellipse(u, v, F32(0.055), F32(0.09))), lay.col("skin", 0.93))
            view.paint(view.cover(inner, soft=2.0) * F32(0.55), lay.col("skin", 0.72))


def face(cv: Canvas) -> tuple[View, np.ndarray]:
    """The face oval (narrower at the jaw), lit from the upper left; returns its window and its distance
    [n, h, w]. Distance: the ellipse approximation d ≈ k0 (k0 − 1)/k1 of ``sdf.ellipse``, written out to share
    terms with the shading.
    """
    lay = cv.lay
    view = cv.around_box(-lay.v["a"], lay.v["a"], -lay.v["b"], lay.v["b"])
    inv_a, inv_b = F32(1.0) / lay.p("a"), F32(1.0) / lay.p("b")
    jaw = F32(1.0) + F32(0.32) * np.maximum(view.Y, F32(0.0)) * inv_b
    xa, yb = view.X * jaw * inv_a, view.Y * inv_b
    r2 = xa * xa + yb * yb  # k0²
    k0 = np.sqrt(r2)
    xa2, yb2 = xa * inv_a, yb * inv_b
    k1 = np.maximum(np.sqrt(xa2 * xa2 + yb2 * yb2), F32(1e-6))
    d = k0 * (k0 - F32(1.0)) / k1
    lum = F32(1.04) - F32(0.09) * r2 - F32(0.04) * xa
    with view:
        view.paint(view.cover(d), lay.col("skin") * lum[:, None])
    return view, d


def freckles(cv: Canvas, det: Detail) -> None:
    """Freckles on both cheeks: discs whose count, places and sizes come from the detail stream."""
    lay = cv.lay
    a, st, ct = lay.v["a"][:, None], lay.v["sin_t"][:, None], lay.v["cos_t"][:, None]
    depth = a * np.sqrt(np.maximum(0.0, 1.0 - det.freckle_x**2))
    fx = det.freckle_x * a * ct + depth * st  # [n, K]: x on the sphere, turned by the yaw
    fy = det.freckle_y
    px = lay.v["s"][:, None] * (cv.R / 2.0)  # [n, 1]
    r = det.freckle_r
    # coverage ≈ clip(1/2 − px (|p − c|² − r²)/(2r), 0, 1) · min(1, (2 r px)²) · opacity (small dots fade)
    slope = px / np.maximum(2.0 * r, 1e-4)
    offset = 0.5 + slope * r * r
    weight = np.minimum(1.0, (2.0 * r * px) ** 2) * det.freckle_alpha
    colour = lay.col("skin", 0.62) * rgb(1.0, 0.93, 0.85)
    for side in (0, 1):  # even freckles on the left cheek, odd on the right
        ks = range(side, N_FRECKLES, 2)
        cx = fx[:, side::2]
        view = cv.around(0.5 * (cx.min(1) + cx.max(1)), np.full(lay.n, 0.11),
                         0.5 * (cx.max(1) - cx.min(1)) + 0.1)
        if view.empty:
            continue
        alpha = None
        for k in ks:
            dx, dy = view.X - det.p(fx[:, k]), view.Y - det.p(fy[:, k])
            c = det.p(offset[:, k]) - det.p(slope[:, k]) * (dx * dx + dy * dy)
            np.clip(c, 0.0, 1.0, out=c)
            c *= det.p(weight[:, k])
            alpha = c if alpha is None else np.maximum(alpha, c, out=alpha)
        with view:
            view.paint(alpha, colour)


def nose(cv: Canvas) -> None:
    lay = cv.lay
    view = cv.around(lay.v["xn"], np.full(lay.n, NOSE_Y - 0.03), 0.13)
    if view.empty:
        return
    with view:
        nx, ny = view.X - lay.p("xn"), view.Y - F32(NOSE_Y)
        turn = lay.p("sin_t")
        side = np.sign(turn + F32(1e-6))
        side_shade = S.ellipse(nx + F32(0.03) * side, ny + F32(0.055), F32(0.012), F32(0.06))
        strength = F32(0.3) + F32(1.2) * np.abs(turn)
        view.paint(view.cover(side_shade, soft=3.0) * strength, lay.col("skin", 0.8))
        view.paint(view.cover(S.ellipse(nx, ny - F32(0.012), F32(0.042), F32(0.022)), soft=3.0) * F32(0.65),
                   lay.col("skin", 0.76))
        nostril = S.ellipse(np.abs(nx) - F32(0.018) * lay.p("mwf"), ny - F32(0.014), F32(0.011), F32(0.007))
        view.paint(view.cover(nostril) * F32(0.75), lay.col("skin", 0.45))
        view.paint(view.cover(S.ellipse(nx + F32(0.008), ny - F32(0.016), F32(0.014), F32(0.016)), soft=2.5) *
                   F32(0.5), lay.col("skin", 1.12))


def beard(cv: Canvas, face_view: View, d_face: np.ndarray, speckle: np.ndarray) -> None:
    """Beard and moustache: the lower face below a line rising to the sideburns (on the face's window)."""
    view = face_view

    def draw(view: View, lay: Layout) -> None:
        xa = view.X / lay.p("a")
        line = F32(MOUTH_Y - 0.06) - F32(0.16) * xa * xa  # the beard's upper edge, rising to the sideburns
        d = np.maximum(view.own(d_face) - F32(0.012), line - view.Y)
        d += S.BIG * (F32(1.0) - lay.p("beard"))
        stubble = F32(0.78) + F32(0.45) * view.take(speckle)
        view.paint(view.cover(d, soft=2.0), lay.col("hair", 0.85) * stubble[:, None])

    cv.subset(view, "beard", draw)


def mouth(cv: Canvas) -> None:
    lay = cv.lay
    view = cv.around(lay.v["xm"], np.full(lay.n, MOUTH_Y + 0.01), 0.16)
    if view.empty:
        return
    with view:
        sm = lay.p("smiling")
        mx, my = (view.X - lay.p("xm")) / lay.p("mwf"), view.Y - F32(MOUTH_Y)
        half_w = F32(MOUTH_W) * (F32(1.0) + F32(0.15) * sm)
        u = np.minimum(mx * mx / (half_w * half_w), F32(1.0))
        bow = F32(1.0) - u  # 1 in the middle, 0 at the corners
        top = F32(-0.005) - F32(0.004) * sm + (F32(0.004) + F32(0.008) * sm) * bow
        bottom = F32(0.005) - F32(0.013) * sm + (F32(0.004) + F32(0.058) * sm) * bow
        inside = S.band(mx, my, top, bottom, half_w)
        lips = lay.col("skin", 0.55) * F32(0.55) + rgb(0.42, 0.10, 0.12)
        view.paint(view.cover(inside - F32(0.016) + F32(0.004) * sm, soft=1.5), lips)
        view.paint(view.cover(inside), rgb(0.30, 0.06, 0.08))
        teeth = np.maximum(inside, my - (top + F32(0.02))) + S.BIG * (F32(1.0) - sm)
        view.paint(view.cover(teeth), rgb(0.97, 0.95, 0.90))


class EyeFrame:
    """Mirror trick: each pixel is expressed relative to the eye on its side of the face."""

    def __init__(self, view: View, lay: Layout, half_width: np.ndarray | float):
        # split halfway between the inner edges of the two shapes (eyes or rims) of this half-width
        inner_l = lay.p("exL") + half_width * lay.p("wfL")
        inner_r = lay.p("exR") - half_width * lay.p("wfR")
        split = (inner_l + inner_r) * F32(0.5)
        side = view.X > split
        self.ex = np.where(side, lay.p("exR"), lay.p("exL"))
        self.u = (view.X - self.ex) / np.where(side, lay.p("wfR"), lay.p("wfL"))  # image direction
        self.out = np.where(side, self.u, -self.u)  # outward (towards the ear)
        self.v = view.Y - lay.p("ye")


def _eye_view(cv: Canvas, lay: Layout, radius: float, dy: float = 0.0) -> View:
    mid = 0.5 * (lay.v["exL"] + lay.v["exR"])
    return cv.around(mid, lay.v["ye"] + dy, 0.5 * (lay.v["exR"] - lay.v["exL"]) + radius)


def eyes(cv: Canvas) -> None:
    lay = cv.lay
    view = _eye_view(cv, lay, float(lay.v["ew"].max()) + 0.02)
    if view.empty:
        return
    with view:
        ef = EyeFrame(view, lay, lay.p("ew"))
        u, v = ef.u, ef.v
        ew, eh, is_open = lay.p("ew"), lay.p("eh"), lay.p("eyes_open")
        sclera = S.ellipse(u, v, ew, eh) + S.BIG * (F32(1.0) - is_open)
        dark = rgb(0.10, 0.07, 0.06)
        view.paint(view.cover(sclera), rgb(0.97, 0.96, 0.94))
        r = eh * F32(0.82)
        ix = F32(-0.25) * ew * lay.p("sin_t")  # the eyes keep looking at the camera
        iu, iv = u - ix, v - F32(0.003)
        iris = np.maximum(S.circle(iu, iv, r), sclera)
        iris_lum = F32(0.85) + F32(0.25) * np.clip(iv / r, -1.0, 1.0)  # darker under the upper lid
        view.paint(view.cover(iris), lay.col("eye") * iris_lum[:, None])
        view.paint(view.cover(np.maximum(S.circle(iu, iv, r * F32(0.45)), sclera)), rgb(0.04, 0.03, 0.03))
        glint = S.circle(iu + F32(0.35) * r, iv + F32(0.35) * r, r * F32(0.3))
        view.paint(view.cover(glint) * (F32(0.9) * is_open), rgb(1.0, 1.0, 1.0))
        lid = np.maximum(S.stroke(sclera, F32(0.009)), v - F32(0.25) * eh)
        view.paint(view.cover(lid), dark)
        arc = v - F32(0.35) * eh * (F32(1.0) - np.minimum(u * u / (ew * ew), F32(1.0)))
        closed = np.maximum(np.abs(arc) - F32(0.009), np.abs(u) - ew) + S.BIG * is_open
        view.paint(view.cover(closed), dark)


def eyebrows(cv: Canvas) -> None:
    lay = cv.lay
    view = _eye_view(cv, lay, 0.11, dy=-0.11)
    if view.empty:
        return
    with view:
        ef = EyeFrame(view, lay, lay.p("ew"))
        bushy = lay.p("bushy_eyebrows")
        bw = F32(0.085) * (F32(0.8) + F32(0.2) * lay.p("ew") / F32(0.072))
        yb = lay.p("ye") - lay.p("eh") - F32(0.052)
        t = (ef.out + F32(0.01)) / bw
        arch = yb - F32(0.02) * (F32(1.0) - np.minimum(t * t, F32(1.0)))
        half_t = (F32(0.007) + F32(0.011) * bushy) * (F32(1.15) - F32(0.45) * np.clip(t, -1.0, 1.0))
        d = np.maximum(np.abs(view.Y - arch) - half_t, np.abs(ef.out + F32(0.01)) - bw)
        b4 = bushy[:, None]  # [n, 1, 1, 1] against colours [n, 3, 1, 1]
        colour = lay.col("hair", 0.55) * b4 + (lay.col("hair", 0.35) + lay.col("skin", 0.5)) * (F32(1.0) - b4)
        view.paint(view.cover(d), colour)


def glasses(cv: Canvas) -> None:
    gw, gh, t = F32(0.105), F32(0.078), F32(0.011)
    frame = rgb(0.09, 0.07, 0.07)

    def draw(view: View, lay: Layout) -> None:
        ef = EyeFrame(view, lay, gw)
        off = S.BIG * (F32(1.0) - lay.p("glasses"))
        rim = S.rounded_box(ef.u, ef.v - F32(0.004), gw, gh, F32(0.035)) + off
        view.paint(view.cover(rim) * F32(0.22), rgb(0.86, 0.92, 1.0))
        view.paint(view.cover(S.stroke(rim, t)), frame)
        inner_l = lay.p("exL") + gw * lay.p("wfL")
        inner_r = lay.p("exR") - gw * lay.p("wfR")
        bridge = np.maximum(np.abs(ef.v + F32(0.02)) - t, np.abs(view.X - (inner_l + inner_r) * F32(0.5))
                            - (inner_r - inner_l) * F32(0.5) - t)
        temple = np.maximum(np.abs(ef.v + F32(0.03)) - t * F32(0.8),
                            np.abs(ef.out - gw - F32(0.035)) - F32(0.035))
        view.paint(view.cover(np.minimum(bridge, temple) + off), frame)

    cv.subset(_eye_view(cv, cv.lay, 0.19), "glasses", draw)


def hair_front(cv: Canvas, hair: Hair) -> None:
    """The fringe (hair above a ragged hairline) and, for long hair, the locks framing the face."""
    lay = cv.lay
    view = hair.view
    if view.empty:
        return
    with view:
        xr = (view.X - lay.p("part_x")) / lay.p("a")
        hairline = F32(-0.27) + F32(0.15) * xr * xr + F32(0.05) * xr + F32(0.012) * hair.texture
        fringe = np.maximum(hair.cap, view.Y - hairline)
        locks = np.maximum(hair.curtain, lay.p("a") * F32(0.80) - np.abs(view.X - lay.p("hair_dx")))
        view.paint(view.cover(np.minimum(fringe, locks)), lay.col("hair") * hair.lum)


def draw(factors: dict[str, np.ndarray], index: np.ndarray, seed: int, resolution: int,
         detail_stream: int) -> np.ndarray:
    """Render one chunk of faces: uint8 [n, 3, R, R]."""
    lay = Layout(factors)
    det = Detail(seed, index, detail_stream)
    cv = Canvas(lay, resolution)
    speckle = background(cv, det)
    hair = Hair(cv, det)
    hair_back(cv, hair)
    body(cv)
    ears(cv)
    face_view, d_face = face(cv)
    freckles(cv, det)
    nose(cv)
    beard(cv, face_view, d_face, speckle)
    mouth(cv)
    eyes(cv)
    eyebrows(cv)
    glasses(cv)
    hair_front(cv, hair)
    return cv.to_uint8()


def landmarks(factors: dict[str, np.ndarray], resolution: int) -> dict[str, np.ndarray]:
    return _landmarks(Layout(factors), resolution)
