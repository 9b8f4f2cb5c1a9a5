"""The applicant's region (所在地区): the province a resident ID was issued in, from its first two
digits (GB/T 2260 province-level code, GB 11643-1999 §5.1), kept on the application so that the
portfolio can be read by region (`monitoring`).

It is the province of the ID's issuing address code, not where the applicant lives today: the
only region every application carries without asking. The 31 mainland provinces, autonomous
regions and municipalities are named; the residence permits of Hong Kong, Macao and Taiwan
residents (81, 82, 83) and GB/T 2260's 71 are named too, as they begin valid IDs.
"""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_REGION = "unknown"  # an application stored before regions were kept


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # two digits, GB/T 2260
    zh: str
    en: str


_REGIONS: tuple[Region, ...] = (
    Region("11", "北京", "Beijing"),
    Region("12", "天津", "Tianjin"),
    Region("13", "河北", "Hebei"),
    Region("14", "山西", "Shanxi"),
    Region("15", "内蒙古", "Inner Mongolia"),
    Region("21", "辽宁", "Liaoning"),
    Region("22", "吉林", "Jilin"),
    Region("23", "黑龙江", "Heilongjiang"),
    Region("31", "上海", "Shanghai"),
    Region("32", "江苏", "Jiangsu"),
    Region("33", "浙江", "Zhejiang"),
    Region("34", "安徽", "Anhui"),
    Region("35", "福建", "Fujian"),
    Region("36", "江西", "Jiangxi"),
    Region("37", "山东", "Shandong"),
    Region("41", "河南", "Henan"),
    Region("42", "湖北", "Hubei"),
    Region("43", "湖南", "Hunan"),
    Region("44", "广东", "Guangdong"),
    Region("45", "广西", "Guangxi"),
    Region("46", "海南", "Hainan"),
    Region("50", "重庆", "Chongqing"),
    Region("51", "四川", "Sichuan"),
    Region("52", "贵州", "Guizhou"),
    Region("53", "云南", "Yunnan"),
    Region("54", "西藏", "Tibet"),
    Region("61", "陕西", "Shaanxi"),
    Region("62", "甘肃", "Gansu"),
    Region("63", "青海", "Qinghai"),
    Region("64", "宁夏", "Ningxia"),
    Region("65", "新疆", "Xinjiang"),
    Region("71", "台湾", "Taiwan"),
    Region("81", "香港", "Hong Kong"),
    Region("82", "澳门", "Macao"),
    Region("83", "台湾", "Taiwan"),
)
# One name for every code the ID validator accepts (a test holds them equal).
REGIONS: dict[str, Region] = {r.code: r for r in _REGIONS}


def region_of_id_number(id_number: str) -> str | None:
    """The province code a resident ID number begins with; None when it begins with no known
    code (a number the validator would have refused)."""
    code = id_number[:2]
    return code if code in REGIONS else None


def region_name(code: str, language: str = "en") -> str:
    """The region's name in `language` (`zh` or `en`); the code itself when it names none
    (`unknown`)."""
    region = REGIONS.get(code)
    if region is None:
        return code
    return region.zh if language == "zh" else region.en
