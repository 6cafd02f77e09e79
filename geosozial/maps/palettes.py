"""Colours for maps: ColorBrewer palettes, LISA and Gi* classes, "no data", "suppressed".

Sequential and diverging palettes are the ColorBrewer schemes by Cynthia Brewer,
Mark Harrower and The Pennsylvania State University (https://colorbrewer2.org),
typed in at their defined class counts (sequential 3-9, diverging 3-11). ColorBrewer
colour specifications are distributed under the Apache-style ColorBrewer licence
(Apache License, Version 2.0; "This product includes color specifications and
designs developed by Cynthia Brewer (http://colorbrewer.org/)"). The fixed class
colours follow DESIGN.md: LISA as GeoDa, Gi* bins -3..3 cold to hot.

Pure Python, usable inside QGIS as well.

Example:
    >>> palette("YlOrRd", 3)
    ['#ffeda0', '#feb24c', '#f03b20']
    >>> LISA_COLOURS["HH"], GI_COLOURS[3], lisa_label("HH"), gi_label(-2, "en")
    ('#FF0000', '#D62F27', 'Hoch-Hoch (HH)', 'Cold spot 95%')
    >>> palette(CHANGE_PALETTE, 3, reverse=True)  # change maps: decrease blue, increase red
    ['#67a9cf', '#f7f7f7', '#ef8a62']
"""

from __future__ import annotations

from dataclasses import dataclass

from geosozial.core.messages import GeosozialError, define, get_language

define("palette.unknown", de="Unbekannte Farbpalette {name}; vorhanden: {names}.",
       en="unknown colour palette {name}; available: {names}.")
define("palette.count",
       de="Die Farbpalette {name} ist für {k} Klassen nicht definiert, nur für {low} bis "
       "{high} Klassen.",
       en="colour palette {name} is not defined for {k} classes, only for {low} to {high} "
       "classes.")

#: ColorBrewer sequential schemes, light to dark, 3 to 9 classes.
SEQUENTIAL: dict[str, dict[int, str]] = {
    "Blues": {
        3: "deebf7 9ecae1 3182bd",
        4: "eff3ff bdd7e7 6baed6 2171b5",
        5: "eff3ff bdd7e7 6baed6 3182bd 08519c",
        6: "eff3ff c6dbef 9ecae1 6baed6 3182bd 08519c",
        7: "eff3ff c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
        8: "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
        9: "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b",
    },
    "BuGn": {
        3: "e5f5f9 99d8c9 2ca25f",
        4: "edf8fb b2e2e2 66c2a4 238b45",
        5: "edf8fb b2e2e2 66c2a4 2ca25f 006d2c",
        6: "edf8fb ccece6 99d8c9 66c2a4 2ca25f 006d2c",
        7: "edf8fb ccece6 99d8c9 66c2a4 41ae76 238b45 005824",
        8: "f7fcfd e5f5f9 ccece6 99d8c9 66c2a4 41ae76 238b45 005824",
        9: "f7fcfd e5f5f9 ccece6 99d8c9 66c2a4 41ae76 238b45 006d2c 00441b",
    },
    "BuPu": {
        3: "e0ecf4 9ebcda 8856a7",
        4: "edf8fb b3cde3 8c96c6 88419d",
        5: "edf8fb b3cde3 8c96c6 8856a7 810f7c",
        6: "edf8fb bfd3e6 9ebcda 8c96c6 8856a7 810f7c",
        7: "edf8fb bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 6e016b",
        8: "f7fcfd e0ecf4 bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 6e016b",
        9: "f7fcfd e0ecf4 bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 810f7c 4d004b",
    },
    "GnBu": {
        3: "e0f3db a8ddb5 43a2ca",
        4: "f0f9e8 bae4bc 7bccc4 2b8cbe",
        5: "f0f9e8 bae4bc 7bccc4 43a2ca 0868ac",
        6: "f0f9e8 ccebc5 a8ddb5 7bccc4 43a2ca 0868ac",
        7: "f0f9e8 ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 08589e",
        8: "f7fcf0 e0f3db ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 08589e",
        9: "f7fcf0 e0f3db ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 0868ac 084081",
    },
    "Greens": {
        3: "e5f5e0 a1d99b 31a354",
        4: "edf8e9 bae4b3 74c476 238b45",
        5: "edf8e9 bae4b3 74c476 31a354 006d2c",
        6: "edf8e9 c7e9c0 a1d99b 74c476 31a354 006d2c",
        7: "edf8e9 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
        8: "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
        9: "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b",
    },
    "Greys": {
        3: "f0f0f0 bdbdbd 636363",
        4: "f7f7f7 cccccc 969696 525252",
        5: "f7f7f7 cccccc 969696 636363 252525",
        6: "f7f7f7 d9d9d9 bdbdbd 969696 636363 252525",
        7: "f7f7f7 d9d9d9 bdbdbd 969696 737373 525252 252525",
        8: "ffffff f0f0f0 d9d9d9 bdbdbd 969696 737373 525252 252525",
        9: "ffffff f0f0f0 d9d9d9 bdbdbd 969696 737373 525252 252525 000000",
    },
    "OrRd": {
        3: "fee8c8 fdbb84 e34a33",
        4: "fef0d9 fdcc8a fc8d59 d7301f",
        5: "fef0d9 fdcc8a fc8d59 e34a33 b30000",
        6: "fef0d9 fdd49e fdbb84 fc8d59 e34a33 b30000",
        7: "fef0d9 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000",
        8: "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000",
        9: "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f b30000 7f0000",
    },
    "Oranges": {
        3: "fee6ce fdae6b e6550d",
        4: "feedde fdbe85 fd8d3c d94701",
        5: "feedde fdbe85 fd8d3c e6550d a63603",
        6: "feedde fdd0a2 fdae6b fd8d3c e6550d a63603",
        7: "feedde fdd0a2 fdae6b fd8d3c f16913 d94801 8c2d04",
        8: "fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 8c2d04",
        9: "fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 a63603 7f2704",
    },
    "PuBu": {
        3: "ece7f2 a6bddb 2b8cbe",
        4: "f1eef6 bdc9e1 74a9cf 0570b0",
        5: "f1eef6 bdc9e1 74a9cf 2b8cbe 045a8d",
        6: "f1eef6 d0d1e6 a6bddb 74a9cf 2b8cbe 045a8d",
        7: "f1eef6 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b",
        8: "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b",
        9: "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 045a8d 023858",
    },
    "PuBuGn": {
        3: "ece2f0 a6bddb 1c9099",
        4: "f6eff7 bdc9e1 67a9cf 02818a",
        5: "f6eff7 bdc9e1 67a9cf 1c9099 016c59",
        6: "f6eff7 d0d1e6 a6bddb 67a9cf 1c9099 016c59",
        7: "f6eff7 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016450",
        8: "fff7fb ece2f0 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016450",
        9: "fff7fb ece2f0 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016c59 014636",
    },
    "PuRd": {
        3: "e7e1ef c994c7 dd1c77",
        4: "f1eef6 d7b5d8 df65b0 ce1256",
        5: "f1eef6 d7b5d8 df65b0 dd1c77 980043",
        6: "f1eef6 d4b9da c994c7 df65b0 dd1c77 980043",
        7: "f1eef6 d4b9da c994c7 df65b0 e7298a ce1256 91003f",
        8: "f7f4f9 e7e1ef d4b9da c994c7 df65b0 e7298a ce1256 91003f",
        9: "f7f4f9 e7e1ef d4b9da c994c7 df65b0 e7298a ce1256 980043 67001f",
    },
    "Purples": {
        3: "efedf5 bcbddc 756bb1",
        4: "f2f0f7 cbc9e2 9e9ac8 6a51a3",
        5: "f2f0f7 cbc9e2 9e9ac8 756bb1 54278f",
        6: "f2f0f7 dadaeb bcbddc 9e9ac8 756bb1 54278f",
        7: "f2f0f7 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
        8: "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
        9: "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d",
    },
    "RdPu": {
        3: "fde0dd fa9fb5 c51b8a",
        4: "feebe2 fbb4b9 f768a1 ae017e",
        5: "feebe2 fbb4b9 f768a1 c51b8a 7a0177",
        6: "feebe2 fcc5c0 fa9fb5 f768a1 c51b8a 7a0177",
        7: "feebe2 fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177",
        8: "fff7f3 fde0dd fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177",
        9: "fff7f3 fde0dd fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177 49006a",
    },
    "Reds": {
        3: "fee0d2 fc9272 de2d26",
        4: "fee5d9 fcae91 fb6a4a cb181d",
        5: "fee5d9 fcae91 fb6a4a de2d26 a50f15",
        6: "fee5d9 fcbba1 fc9272 fb6a4a de2d26 a50f15",
        7: "fee5d9 fcbba1 fc9272 fb6a4a ef3b2c cb181d 99000d",
        8: "fff5f0 fee0d2 fcbba1 fc9272 fb6a4a ef3b2c cb181d 99000d",
        9: "fff5f0 fee0d2 fcbba1 fc9272 fb6a4a ef3b2c cb181d a50f15 67000d",
    },
    "YlGn": {
        3: "f7fcb9 addd8e 31a354",
        4: "ffffcc c2e699 78c679 238443",
        5: "ffffcc c2e699 78c679 31a354 006837",
        6: "ffffcc d9f0a3 addd8e 78c679 31a354 006837",
        7: "ffffcc d9f0a3 addd8e 78c679 41ab5d 238443 005a32",
        8: "ffffe5 f7fcb9 d9f0a3 addd8e 78c679 41ab5d 238443 005a32",
        9: "ffffe5 f7fcb9 d9f0a3 addd8e 78c679 41ab5d 238443 006837 004529",
    },
    "YlGnBu": {
        3: "edf8b1 7fcdbb 2c7fb8",
        4: "ffffcc a1dab4 41b6c4 225ea8",
        5: "ffffcc a1dab4 41b6c4 2c7fb8 253494",
        6: "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494",
        7: "ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
        8: "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
        9: "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58",
    },
    "YlOrBr": {
        3: "fff7bc fec44f d95f0e",
        4: "ffffd4 fed98e fe9929 cc4c02",
        5: "ffffd4 fed98e fe9929 d95f0e 993404",
        6: "ffffd4 fee391 fec44f fe9929 d95f0e 993404",
        7: "ffffd4 fee391 fec44f fe9929 ec7014 cc4c02 8c2d04",
        8: "ffffe5 fff7bc fee391 fec44f fe9929 ec7014 cc4c02 8c2d04",
        9: "ffffe5 fff7bc fee391 fec44f fe9929 ec7014 cc4c02 993404 662506",
    },
    "YlOrRd": {
        3: "ffeda0 feb24c f03b20",
        4: "ffffb2 fecc5c fd8d3c e31a1c",
        5: "ffffb2 fecc5c fd8d3c f03b20 bd0026",
        6: "ffffb2 fed976 feb24c fd8d3c f03b20 bd0026",
        7: "ffffb2 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
        8: "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
        9: "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026",
    },
}

#: ColorBrewer diverging schemes, 3 to 11 classes.
DIVERGING: dict[str, dict[int, str]] = {
    "BrBG": {
        3: "d8b365 f5f5f5 5ab4ac",
        4: "a6611a dfc27d 80cdc1 018571",
        5: "a6611a dfc27d f5f5f5 80cdc1 018571",
        6: "8c510a d8b365 f6e8c3 c7eae5 5ab4ac 01665e",
        7: "8c510a d8b365 f6e8c3 f5f5f5 c7eae5 5ab4ac 01665e",
        8: "8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e",
        9: "8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e",
        10: "543005 8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e 003c30",
        11: "543005 8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e 003c30",
    },
    "PiYG": {
        3: "e9a3c9 f7f7f7 a1d76a",
        4: "d01c8b f1b6da b8e186 4dac26",
        5: "d01c8b f1b6da f7f7f7 b8e186 4dac26",
        6: "c51b7d e9a3c9 fde0ef e6f5d0 a1d76a 4d9221",
        7: "c51b7d e9a3c9 fde0ef f7f7f7 e6f5d0 a1d76a 4d9221",
        8: "c51b7d de77ae f1b6da fde0ef e6f5d0 b8e186 7fbc41 4d9221",
        9: "c51b7d de77ae f1b6da fde0ef f7f7f7 e6f5d0 b8e186 7fbc41 4d9221",
        10: "8e0152 c51b7d de77ae f1b6da fde0ef e6f5d0 b8e186 7fbc41 4d9221 276419",
        11: "8e0152 c51b7d de77ae f1b6da fde0ef f7f7f7 e6f5d0 b8e186 7fbc41 4d9221 276419",
    },
    "PRGn": {
        3: "af8dc3 f7f7f7 7fbf7b",
        4: "7b3294 c2a5cf a6dba0 008837",
        5: "7b3294 c2a5cf f7f7f7 a6dba0 008837",
        6: "762a83 af8dc3 e7d4e8 d9f0d3 7fbf7b 1b7837",
        7: "762a83 af8dc3 e7d4e8 f7f7f7 d9f0d3 7fbf7b 1b7837",
        8: "762a83 9970ab c2a5cf e7d4e8 d9f0d3 a6dba0 5aae61 1b7837",
        9: "762a83 9970ab c2a5cf e7d4e8 f7f7f7 d9f0d3 a6dba0 5aae61 1b7837",
        10: "40004b 762a83 9970ab c2a5cf e7d4e8 d9f0d3 a6dba0 5aae61 1b7837 00441b",
        11: "40004b 762a83 9970ab c2a5cf e7d4e8 f7f7f7 d9f0d3 a6dba0 5aae61 1b7837 00441b",
    },
    "PuOr": {
        3: "f1a340 f7f7f7 998ec3",
        4: "e66101 fdb863 b2abd2 5e3c99",
        5: "e66101 fdb863 f7f7f7 b2abd2 5e3c99",
        6: "b35806 f1a340 fee0b6 d8daeb 998ec3 542788",
        7: "b35806 f1a340 fee0b6 f7f7f7 d8daeb 998ec3 542788",
        8: "b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788",
        9: "b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788",
        10: "7f3b08 b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788 2d004b",
        11: "7f3b08 b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788 2d004b",
    },
    "RdBu": {
        3: "ef8a62 f7f7f7 67a9cf",
        4: "ca0020 f4a582 92c5de 0571b0",
        5: "ca0020 f4a582 f7f7f7 92c5de 0571b0",
        6: "b2182b ef8a62 fddbc7 d1e5f0 67a9cf 2166ac",
        7: "b2182b ef8a62 fddbc7 f7f7f7 d1e5f0 67a9cf 2166ac",
        8: "b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac",
        9: "b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac",
        10: "67001f b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac 053061",
        11: "67001f b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac 053061",
    },
    "RdGy": {
        3: "ef8a62 ffffff 999999",
        4: "ca0020 f4a582 bababa 404040",
        5: "ca0020 f4a582 ffffff bababa 404040",
        6: "b2182b ef8a62 fddbc7 e0e0e0 999999 4d4d4d",
        7: "b2182b ef8a62 fddbc7 ffffff e0e0e0 999999 4d4d4d",
        8: "b2182b d6604d f4a582 fddbc7 e0e0e0 bababa 878787 4d4d4d",
        9: "b2182b d6604d f4a582 fddbc7 ffffff e0e0e0 bababa 878787 4d4d4d",
        10: "67001f b2182b d6604d f4a582 fddbc7 e0e0e0 bababa 878787 4d4d4d 1a1a1a",
        11: "67001f b2182b d6604d f4a582 fddbc7 ffffff e0e0e0 bababa 878787 4d4d4d 1a1a1a",
    },
    "RdYlBu": {
        3: "fc8d59 ffffbf 91bfdb",
        4: "d7191c fdae61 abd9e9 2c7bb6",
        5: "d7191c fdae61 ffffbf abd9e9 2c7bb6",
        6: "d73027 fc8d59 fee090 e0f3f8 91bfdb 4575b4",
        7: "d73027 fc8d59 fee090 ffffbf e0f3f8 91bfdb 4575b4",
        8: "d73027 f46d43 fdae61 fee090 e0f3f8 abd9e9 74add1 4575b4",
        9: "d73027 f46d43 fdae61 fee090 ffffbf e0f3f8 abd9e9 74add1 4575b4",
        10: "a50026 d73027 f46d43 fdae61 fee090 e0f3f8 abd9e9 74add1 4575b4 313695",
        11: "a50026 d73027 f46d43 fdae61 fee090 ffffbf e0f3f8 abd9e9 74add1 4575b4 313695",
    },
    "RdYlGn": {
        3: "fc8d59 ffffbf 91cf60",
        4: "d7191c fdae61 a6d96a 1a9641",
        5: "d7191c fdae61 ffffbf a6d96a 1a9641",
        6: "d73027 fc8d59 fee08b d9ef8b 91cf60 1a9850",
        7: "d73027 fc8d59 fee08b ffffbf d9ef8b 91cf60 1a9850",
        8: "d73027 f46d43 fdae61 fee08b d9ef8b a6d96a 66bd63 1a9850",
        9: "d73027 f46d43 fdae61 fee08b ffffbf d9ef8b a6d96a 66bd63 1a9850",
        10: "a50026 d73027 f46d43 fdae61 fee08b d9ef8b a6d96a 66bd63 1a9850 006837",
        11: "a50026 d73027 f46d43 fdae61 fee08b ffffbf d9ef8b a6d96a 66bd63 1a9850 006837",
    },
    "Spectral": {
        3: "fc8d59 ffffbf 99d594",
        4: "d7191c fdae61 abdda4 2b83ba",
        5: "d7191c fdae61 ffffbf abdda4 2b83ba",
        6: "d53e4f fc8d59 fee08b e6f598 99d594 3288bd",
        7: "d53e4f fc8d59 fee08b ffffbf e6f598 99d594 3288bd",
        8: "d53e4f f46d43 fdae61 fee08b e6f598 abdda4 66c2a5 3288bd",
        9: "d53e4f f46d43 fdae61 fee08b ffffbf e6f598 abdda4 66c2a5 3288bd",
        10: "9e0142 d53e4f f46d43 fdae61 fee08b e6f598 abdda4 66c2a5 3288bd 5e4fa2",
        11: "9e0142 d53e4f f46d43 fdae61 fee08b ffffbf e6f598 abdda4 66c2a5 3288bd 5e4fa2",
    },
}

#: Change maps (classification scheme ``"diverging"``, classes symmetric around 0):
#: ColorBrewer RdBu turned round (``reverse=True``), so that decreases are blue, the middle
#: class around 0 is light grey (#f7f7f7) and increases are red.
CHANGE_PALETTE = "RdBu"

#: LISA cluster classes in legend order, colours as GeoDa (DESIGN.md).
LISA_CLASSES = ("HH", "LL", "LH", "HL", "ns", "isolated")
LISA_COLOURS = {"HH": "#FF0000", "LL": "#0000FF", "LH": "#a7adf9", "HL": "#f4ada8",
                "ns": "#eeeeee", "isolated": "#999999"}
LISA_LABELS = {
    "de": {"HH": "Hoch-Hoch (HH)", "LL": "Niedrig-Niedrig (LL)", "LH": "Niedrig-Hoch (LH)",
           "HL": "Hoch-Niedrig (HL)", "ns": "nicht signifikant",
           "isolated": "ohne Nachbarn (isoliert)"},
    "en": {"HH": "High-High (HH)", "LL": "Low-Low (LL)", "LH": "Low-High (LH)",
           "HL": "High-Low (HL)", "ns": "not significant",
           "isolated": "no neighbours (isolated)"},
}

#: Local Geary classes (univariate, then multivariate) in legend order, GeoDa's colours.
GEARY_CLASSES = ("High-High", "Low-Low", "Other positive", "Positive", "Negative", "ns",
                 "isolated")
GEARY_COLOURS = {"High-High": "#b2182b", "Low-Low": "#ef8a62", "Other positive": "#fddbc7",
                 "Positive": "#336ea1", "Negative": "#67adc7", "ns": "#eeeeee",
                 "isolated": "#999999"}
#: Local join counts and quantile LISA: a cluster of ones, GeoDa's green.
JOIN_CLASSES = ("cluster", "ns", "isolated")
JOIN_COLOURS = {"cluster": "#348124", "ns": "#eeeeee", "isolated": "#999999"}
CLASS_LABELS = {
    "de": {"High-High": "Hoch-Hoch", "Low-Low": "Niedrig-Niedrig",
           "Other positive": "andere positive", "Positive": "positiv (ähnliche Nachbarn)",
           "Negative": "negativ (unähnliche Nachbarn)", "cluster": "Cluster (Häufung)",
           "ns": "nicht signifikant", "isolated": "ohne Nachbarn (isoliert)"},
    "en": {"High-High": "High-High", "Low-Low": "Low-Low", "Other positive": "other positive",
           "Positive": "positive (similar neighbours)",
           "Negative": "negative (unlike neighbours)", "cluster": "cluster (co-location)",
           "ns": "not significant", "isolated": "no neighbours (isolated)"},
}

#: Gi* bins from hot (3) to cold (-3) in legend order; 0 is not significant.
GI_BINS = (3, 2, 1, 0, -1, -2, -3)
GI_COLOURS = {-3: "#4575B5", -2: "#849EBA", -1: "#C0CCBE", 0: "#FFFFBF", 1: "#FAB984",
              2: "#ED7551", 3: "#D62F27"}
_CONFIDENCE = {1: 90, 2: 95, 3: 99}


@dataclass(frozen=True)
class SpecialClass:
    """A class outside the data classes: fill, outline, hatching hint and labels."""

    key: str
    fill: str
    outline: str
    hatch: bool
    labels: dict[str, str]


#: Areas without a value ("keine Daten"): white with a grey outline.
NO_DATA = SpecialClass("no_data", "#ffffff", "#969696", False,
                       {"de": "keine Daten", "en": "no data"})
#: Values withheld for statistical confidentiality: grey, drawn hatched where possible.
SUPPRESSED = SpecialClass("suppressed", "#bdbdbd", "#737373", True,
                          {"de": "geheim gehalten", "en": "suppressed (confidential)"})
SPECIAL_CLASSES = {c.key: c for c in (NO_DATA, SUPPRESSED)}


def palette(name: str, k: int, *, reverse: bool = False) -> list[str]:
    """The ColorBrewer palette ``name`` for ``k`` classes as ``#rrggbb`` strings.

    ``reverse`` turns it round (e.g. RdBu with red for high values).

    Example:
        >>> palette("RdBu", 3), palette("Blues", 3, reverse=True)
        (['#ef8a62', '#f7f7f7', '#67a9cf'], ['#3182bd', '#9ecae1', '#deebf7'])
    """
    table = SEQUENTIAL.get(name) or DIVERGING.get(name)
    if table is None:
        raise GeosozialError("palette.unknown", name=name, names=", ".join(palette_names()))
    if isinstance(k, bool) or k not in table:
        raise GeosozialError("palette.count", name=name, k=k, low=min(table), high=max(table))
    colours = ["#" + c for c in table[k].split()]
    return colours[::-1] if reverse else colours


def palette_names(kind: str | None = None) -> list[str]:
    """Names of the palettes, all or of one kind (``"sequential"``, ``"diverging"``).

    Example:
        >>> "YlOrRd" in palette_names("sequential"), "RdBu" in palette_names("diverging")
        (True, True)
    """
    if kind == "sequential":
        return sorted(SEQUENTIAL)
    if kind == "diverging":
        return sorted(DIVERGING)
    return sorted([*SEQUENTIAL, *DIVERGING])


def palette_kind(name: str) -> str:
    """``"sequential"`` or ``"diverging"``.

    Example:
        >>> palette_kind("PuOr")
        'diverging'
    """
    if name in SEQUENTIAL:
        return "sequential"
    if name in DIVERGING:
        return "diverging"
    raise GeosozialError("palette.unknown", name=name, names=", ".join(palette_names()))


def lisa_label(cls: str, lang: str | None = None) -> str:
    """Legend label of a LISA class.

    Example:
        >>> lisa_label("LH"), lisa_label("isolated", "en")
        ('Niedrig-Hoch (LH)', 'no neighbours (isolated)')
    """
    return LISA_LABELS[_lang(lang)][cls]


def class_label(cls: str, lang: str | None = None) -> str:
    """Legend label of a local Geary or join-count class.

    Example:
        >>> class_label("Negative"), class_label("cluster", "en")
        ('negativ (unähnliche Nachbarn)', 'cluster (co-location)')
    """
    return CLASS_LABELS[_lang(lang)][cls]


def gi_label(bin_: int, lang: str | None = None) -> str:
    """Legend label of a Gi* bin (-3..3).

    Example:
        >>> gi_label(3), gi_label(0), gi_label(-1)
        ('Hot Spot 99 %', 'nicht signifikant', 'Cold Spot 90 %')
    """
    lang = _lang(lang)
    b = int(bin_)
    if b == 0:
        return "nicht signifikant" if lang == "de" else "not significant"
    level = _CONFIDENCE[abs(b)]
    if lang == "de":
        return f"{'Hot' if b > 0 else 'Cold'} Spot {level} %"
    return f"{'Hot' if b > 0 else 'Cold'} spot {level}%"


def class_counts_text(kind: str, counts: dict[str, int], lang: str = "de") -> str:
    """Class counts with the class names, not codes: ``Hot Spot 99 %: 5, ...``.

    Example:
        >>> class_counts_text("gi", {"0": 413, "3": 5})
        'Hot Spot 99 %: 5, nicht signifikant: 413'
        >>> class_counts_text("lisa", {"HH": 2, "ns": 50})
        'Hoch-Hoch (HH): 2, nicht signifikant: 50'
        >>> class_counts_text("joincount", {"ns": 9, "cluster": 3})
        'Cluster (Häufung): 3, nicht signifikant: 9'
    """
    if kind == "gi":
        order = sorted(counts, key=lambda b: -int(b))
        return ", ".join(f"{gi_label(int(b), lang)}: {counts[b]}" for b in order)
    if kind in ("geary", "joincount"):
        known = GEARY_CLASSES if kind == "geary" else JOIN_CLASSES
        order = [c for c in known if c in counts] + [c for c in counts if c not in known]
        return ", ".join(f"{class_label(c, lang) if c in known else c}: {counts[c]}"
                         for c in order)
    known = ("HH", "LL", "LH", "HL", "ns", "isolated")
    order = [c for c in known if c in counts] + [c for c in counts if c not in known]
    return ", ".join(f"{lisa_label(c, lang) if c in known else c}: {counts[c]}"
                     for c in order)


def special_label(key: str, lang: str | None = None) -> str:
    """Label of ``"no_data"`` or ``"suppressed"``.

    Example:
        >>> special_label("no_data"), special_label("suppressed")
        ('keine Daten', 'geheim gehalten')
    """
    return SPECIAL_CLASSES[key].labels[_lang(lang)]


def _lang(lang: str | None) -> str:
    lang = lang or get_language()
    return lang if lang in ("de", "en") else "de"
