"""Engineering units as OPC UA EUInformation (UNECE Recommendation 20 codes, OPC UA Part 8)."""

from __future__ import annotations

from asyncua import ua

UNECE_URI = "http://www.opcfoundation.org/UA/units/un/cefact"
_CODES = {
    "°C": "CEL", "%": "P1", "%RH": "P1", "A": "AMP", "V": "VLT", "kW": "KWT", "kWh": "KWH",
    "mm/s": "C16", "mm": "MMT", "ms": "C26", "s": "SEC", "pcs": "H87",
}


def unit_id(code: str) -> int:
    """The UnitId of a UNECE common code: its characters as bytes of an Int32 (Part 8, 5.6.3)."""
    number = 0
    for char in code:
        number = number << 8 | ord(char)
    return number


def eu_information(unit: str) -> ua.EUInformation:
    """The EUInformation of a profile's unit; a unit UNECE has no code for here gets UnitId -1 (unknown)."""
    code = _CODES.get(unit)
    return ua.EUInformation(NamespaceUri=UNECE_URI, UnitId=unit_id(code) if code else -1,
                            DisplayName=ua.LocalizedText(unit), Description=ua.LocalizedText(unit))
