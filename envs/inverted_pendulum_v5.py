"""InvertedPendulum-v5: a cart on a rail with a hinged pole to balance."""

from rewardsmith.envs.descriptions import ActionRow, EnvDescription, Field, build_layout

ENV_ID = "InvertedPendulum-v5"


def build(model, dt: float) -> EnvDescription:
    """The pendulum has no torso or legs: its fields are the cart and the pole."""
    layout = build_layout([("qpos", (model.nq,)), ("qvel", (model.nv,))])

    def snapshot(data):
        import numpy as np

        return np.concatenate((data.qpos, data.qvel))

    fields = [
        Field("cart_position", "(B,)", "m", "position of the cart along the rail (0 is the "
              "centre; the rail ends at about +-1 m)", lambda r: r.qpos[:, 0].copy()),
        Field("cart_velocity", "(B,)", "m/s", "velocity of the cart along the rail",
              lambda r: r.qvel[:, 0].copy()),
        Field("pole_angle", "(B,)", "rad", "angle of the pole from vertical (0 is upright)",
              lambda r: r.qpos[:, 1].copy()),
        Field("pole_angular_velocity", "(B,)", "rad/s", "angular velocity of the pole",
              lambda r: r.qvel[:, 1].copy()),
        Field("dt", "float", "s", "duration of one environment step", lambda r: dt),
    ]
    return EnvDescription(
        env_id="InvertedPendulum-v5",
        title="InvertedPendulum",
        summary="A cart that slides on a horizontal rail, with a pole hinged on top of it. The "
                "agent pushes the cart left or right to keep the pole upright.",
        fields=fields,
        actions=[ActionRow(0, "force pushing the cart along the rail", -3.0, 3.0, "slider",
                           "force (N)")],
        notes=["Episodes last at most 1000 steps (40 s) and END EARLY when |pole_angle| > 0.2 rad.",
               "The pole starts nearly upright with small random noise."],
        layout=layout, snapshot_fn=snapshot, dt=dt,
    )
