from taizhang.citizen.masking import mask_text


def test_mobile_numbers_are_masked_in_free_text() -> None:
    assert mask_text("请联系13912345678处理") == "请联系139****5678处理"
    assert mask_text("电话 +86 139-1234-5678") == "电话 139****5678"


def test_landline_numbers_are_masked() -> None:
    assert mask_text("打0571-87654321找我") == "打0571****4321找我"


def test_id_numbers_are_masked_before_phone_patterns() -> None:
    text = "身份证330106199001011234，还有11010519491231002X。"
    out = mask_text(text)
    assert "330106199001011234" not in out and "11010519491231002X" not in out
    assert "330***********1234" in out and "110***********002X" in out


def test_ordinary_numbers_are_left_alone() -> None:
    text = "3号楼门口堆了20袋垃圾，2024年5月12日"
    assert mask_text(text) == text
    assert mask_text("") == ""
    assert mask_text(None) == ""
