"""Human-like body proportions, as fractions of the standing torso (chest) height h.

The descriptions give h ("standing, the torso is about 1.3-1.4 m high"); a pose's target heights
and the height at which a crouching body has fallen are these fractions times h. A person whose
chest centre is at h stands about h / 0.78 tall, and body-proportion tables put the knee at about
0.28 of stature, the hip joint at about 0.53 and the upper arm's length at about 0.19. They live
here, not in the designer, because the env settings of a request read them too.
"""

from __future__ import annotations

KNEE_H = 0.36  # 0.28 / 0.78: the knee's height above the floor (shin plus foot)
HIP_H = 0.68  # 0.53 / 0.78: the hip joint's height
UPPER_ARM = 0.24  # 0.19 / 0.78: shoulder to elbow
