"""Sample objects of the org URLs for the permission matrix (core/testing_matrix.py): a unit's robot webhook
(UnitChannel) lives in street A."""

from __future__ import annotations

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.org.models import UnitChannel

    sa = world.tree.street_a
    channel = UnitChannel.objects.create(unit=sa, name="矩阵群", target="https://robot.example.cn/send?key=matrix")
    ch = {"pk": channel.pk}
    return {
        "org:channel_edit": Sample(ch, sa),
        "org:channel_delete": Sample(ch, sa),
        "org:channel_test": Sample(ch, sa),
    }
