"""Feed files for the import tests, written as dealers' exports are (Fullpath-style CSV)."""

from __future__ import annotations

from collections.abc import Iterable

from .support import vin

HEADER = "vin,stock,year,make,model,trim,condition,certified,vdp,photo_url_list,color,price,mileage"


def line(
    serial: int, *, price: str = "20000", photos: str = "", stock: str = "", **cells: str
) -> str:
    values = {
        "vin": cells.get("vin", vin(serial)),
        "stock": stock or f"S{serial}",
        "year": "2003",
        "make": "Honda",
        "model": "Accord",
        "trim": "EX",
        "condition": "used",
        "certified": "N",
        "vdp": f"https://lakeside.example/v/{serial}",
        "photo_url_list": photos or f"https://img.example/{serial}/1.jpg",
        "color": cells.get("color", "Blue"),
        "price": price,
        "mileage": "50000",
    }
    return ",".join(values.values())


def feed(lines: Iterable[str], *, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)
