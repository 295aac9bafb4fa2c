"""The assistant's own words: shopper words for catalog words, things the shop does not
sell, and the words that steer a request (genders, owned items, outfits, negations).

Article types, brands and colours come from the database (``lexicon``); the
merchant's synonyms (``catalog.Synonym``) are merged over the shopper words here.
"""

from __future__ import annotations

# Shopper phrase -> (how to name it if we don't carry it, catalog words it means).
# The catalog words are resolved against the live catalog's names; a phrase whose
# words resolve to nothing is reported as not carried under its label.
SHOPPER_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # shoes
    "sneakers": ("sneakers", ("sports shoes", "casual shoes")),
    "trainers": ("trainers", ("sports shoes", "casual shoes")),
    "kicks": ("sneakers", ("sports shoes", "casual shoes")),
    "running shoes": ("running shoes", ("sports shoes",)),
    "loafers": ("loafers", ("casual shoes", "formal shoes")),
    "oxfords": ("oxfords", ("formal shoes",)),
    "brogues": ("brogues", ("formal shoes",)),
    "stilettos": ("stilettos", ("heels",)),
    "pumps": ("pumps", ("heels",)),
    "slippers": ("slippers", ("flip flops",)),
    "chappals": ("chappals", ("sandals", "flip flops")),
    "slides": ("slides", ("flip flops", "sports sandals")),
    "footwear": ("footwear", ("footwear",)),
    "boots": ("boots", ("boots",)),
    # tops
    "tee": ("t-shirts", ("tshirts",)),
    "tees": ("t-shirts", ("tshirts",)),
    "t shirt": ("t-shirts", ("tshirts",)),
    "t shirts": ("t-shirts", ("tshirts",)),
    "tee shirt": ("t-shirts", ("tshirts",)),
    "dress shirt": ("dress shirts", ("shirts",)),
    "dress shirts": ("dress shirts", ("shirts",)),
    "dress shoes": ("dress shoes", ("formal shoes",)),
    "polo": ("polo shirts", ("tshirts",)),
    "polos": ("polo shirts", ("tshirts",)),
    "jersey": ("jerseys", ("tshirts",)),
    "blouse": ("blouses", ("tops",)),
    "blouses": ("blouses", ("tops",)),
    "crop top": ("crop tops", ("tops",)),
    "hoodie": ("hoodies", ("sweatshirts",)),
    "hoodies": ("hoodies", ("sweatshirts",)),
    "pullover": ("pullovers", ("sweatshirts", "sweaters")),
    "jumper": ("jumpers", ("sweaters",)),
    "jumpers": ("jumpers", ("sweaters",)),
    "cardigan": ("cardigans", ("sweaters",)),
    "cardigans": ("cardigans", ("sweaters",)),
    "frock": ("dresses", ("dresses",)),
    "gown": ("gowns", ("gowns",)),
    "gowns": ("gowns", ("gowns",)),
    "wedding dress": ("wedding dresses", ("wedding dresses",)),
    "sari": ("sarees", ("sarees",)),
    "saris": ("sarees", ("sarees",)),
    "lehenga": ("lehengas", ("lehenga",)),
    "sherwani": ("sherwanis", ("sherwani",)),
    # bottoms
    "pants": ("trousers", ("trousers", "pants")),
    "chinos": ("chinos", ("trousers",)),
    "slacks": ("slacks", ("trousers",)),
    "denim": ("jeans", ("jeans",)),
    "denims": ("jeans", ("jeans",)),
    "joggers": ("joggers", ("track pants",)),
    "sweatpants": ("sweatpants", ("track pants",)),
    "trackpants": ("track pants", ("track pants",)),
    # outerwear and suits
    "raincoat": ("raincoats", ("rain jacket",)),
    "coat": ("coats", ("coats",)),
    "coats": ("coats", ("coats",)),
    "overcoat": ("overcoats", ("coats",)),
    "blazer": ("blazers", ("blazers",)),
    "blazers": ("blazers", ("blazers",)),
    "tuxedo": ("tuxedos", ("tuxedos",)),
    "tuxedos": ("tuxedos", ("tuxedos",)),
    "business suit": ("suits", ("suits",)),
    "wedding suit": ("suits", ("suits",)),
    "three piece suit": ("suits", ("suits",)),
    # A bare "suit" is a suit, never the catalog's "Night suits".
    "suit": ("suits", ("suits",)),
    "suits": ("suits", ("suits",)),
    "poncho": ("ponchos", ("ponchos",)),
    "kimono": ("kimonos", ("kimonos",)),
    "overalls": ("overalls", ("overalls", "dungarees")),
    "dungarees": ("dungarees", ("dungarees",)),
    # swim and sleep
    "swimwear": ("swimwear", ("swimwear",)),
    "swimsuit": ("swimwear", ("swimwear",)),
    "swimsuits": ("swimwear", ("swimwear",)),
    "swimming costume": ("swimwear", ("swimwear",)),
    "bathing suit": ("swimwear", ("swimwear",)),
    "bikini": ("swimwear", ("swimwear",)),
    "bikinis": ("swimwear", ("swimwear",)),
    "swim trunks": ("swimwear", ("swimwear",)),
    "swimming trunks": ("swimwear", ("swimwear",)),
    "swim shorts": ("swimwear", ("swimwear",)),
    "swimming shorts": ("swimwear", ("swimwear",)),
    "pyjamas": ("pyjamas", ("night suits", "lounge pants")),
    "pajamas": ("pyjamas", ("night suits", "lounge pants")),
    "nightie": ("nightdresses", ("nightdress",)),
    "onesie": ("onesies", ("onesies",)),
    "lingerie": ("lingerie", ("bra", "briefs")),
    "underwear": ("underwear", ("briefs", "boxers", "trunk", "bra")),
    # accessories
    "handbag": ("handbags", ("handbags",)),
    "purses": ("purses", ("handbags", "clutches", "wallets")),
    "tote": ("totes", ("handbags",)),
    "rucksack": ("rucksacks", ("backpacks",)),
    "bags": ("bags", ("bags", "handbags", "backpacks")),
    "shades": ("sunglasses", ("sunglasses",)),
    "necktie": ("ties", ("ties",)),
    "hat": ("hats", ("hats",)),
    "hats": ("hats", ("hats",)),
    "beanie": ("beanies", ("caps",)),
    "mittens": ("mittens", ("gloves",)),
    "umbrella": ("umbrellas", ("umbrellas",)),
    "hijab": ("hijabs", ("hijabs", "scarves", "stoles")),
    "jewelry": ("jewellery", ("jewellery",)),
    "fragrance": ("fragrances", ("perfume",)),
    "deo": ("deodorants", ("deodorant",)),
    # British, American and Indian English shopper words
    "knickers": ("knickers", ("briefs",)),
    "panties": ("panties", ("briefs",)),
    "panty": ("panties", ("briefs",)),
    "undies": ("underwear", ("briefs", "boxers", "trunk", "bra")),
    "boxer shorts": ("boxers", ("boxers",)),
    "vests": ("vests", ("innerwear vests",)),
    "vest": ("vests", ("innerwear vests",)),
    "banyan": ("vests", ("innerwear vests",)),
    "baniyan": ("vests", ("innerwear vests",)),
    "singlet": ("vests", ("innerwear vests",)),
    "sliders": ("sliders", ("flip flops", "sports sandals")),
    "slider": ("sliders", ("flip flops", "sports sandals")),
    "thongs": ("flip flops", ("flip flops",)),
    "hawai chappal": ("flip flops", ("flip flops",)),
    "hawaii chappals": ("flip flops", ("flip flops",)),
    "gym shoes": ("gym shoes", ("sports shoes",)),
    "sport shoes": ("sports shoes", ("sports shoes",)),
    "canvas shoes": ("canvas shoes", ("casual shoes",)),
    "plimsolls": ("plimsolls", ("casual shoes",)),
    "moccasins": ("moccasins", ("casual shoes",)),
    "office shoes": ("office shoes", ("formal shoes",)),
    "ballerinas": ("ballerinas", ("flats",)),
    "ballet flats": ("flats", ("flats",)),
    "booties": ("boots", ("booties",)),
    "boot": ("boots", ("boots", "booties")),
    "nail paint": ("nail paint", ("nail polish",)),
    "nail paints": ("nail paint", ("nail polish",)),
    "nail varnish": ("nail varnish", ("nail polish",)),
    "nail colour": ("nail paint", ("nail polish",)),
    "nail color": ("nail paint", ("nail polish",)),
    "lip balm": ("lip balm", ("lip care",)),
    "lip balms": ("lip balm", ("lip care",)),
    "chapstick": ("lip balm", ("lip care",)),
    "lipsticks": ("lipsticks", ("lipstick",)),
    "kajal": ("kajal", ("kajal and eyeliner",)),
    "eye liner": ("eyeliner", ("kajal and eyeliner",)),
    "moisturiser": ("moisturiser", ("face moisturisers",)),
    "moisturizer": ("moisturiser", ("face moisturisers",)),
    "face cream": ("face cream", ("face moisturisers",)),
    "sunblock": ("sunscreen", ("sunscreen",)),
    "sun cream": ("sunscreen", ("sunscreen",)),
    "scent": ("perfume", ("perfume and body mist",)),
    "cologne": ("perfume", ("perfume and body mist",)),
    "perfume": ("perfume", ("perfume and body mist",)),
    "perfumes": ("perfume", ("perfume and body mist",)),
    "body spray": ("deodorant", ("deodorant", "perfume and body mist")),
    "deodorants": ("deodorants", ("deodorant",)),
    "blusher": ("blusher", ("highlighter and blush",)),
    "windcheater": ("jackets", ("jackets",)),
    "puffer": ("jackets", ("jackets",)),
    "bomber": ("jackets", ("jackets",)),
    "parka": ("jackets", ("jackets",)),
    "gilet": ("waistcoats", ("waistcoat",)),
    "trackies": ("track pants", ("track pants",)),
    "track suit": ("tracksuits", ("tracksuits",)),
    "jogging bottoms": ("joggers", ("track pants",)),
    "leggins": ("leggings", ("leggings",)),
    "trouser": ("trousers", ("trousers",)),
    "pant": ("trousers", ("trousers",)),
    "capri": ("capris", ("capris",)),
    "bermudas": ("shorts", ("shorts",)),
    "tank top": ("tank tops", ("tops", "innerwear vests")),
    "tank tops": ("tank tops", ("tops", "innerwear vests")),
    "cami": ("camisoles", ("camisoles",)),
    "sweatshirt": ("sweatshirts", ("sweatshirts",)),
    "sundress": ("dresses", ("dresses",)),
    "maxi": ("dresses", ("dresses",)),
    "maxi dress": ("dresses", ("dresses",)),
    "party dress": ("dresses", ("dresses",)),
    "lbd": ("dresses", ("dresses",)),
    "jumpsuits": ("jumpsuits", ("jumpsuit",)),
    "playsuit": ("rompers", ("rompers",)),
    "nightwear": ("nightwear", ("night suits", "nightdress", "lounge pants", "lounge shorts")),
    "sleepwear": ("nightwear", ("night suits", "nightdress", "lounge pants", "lounge shorts")),
    "nighty": ("nightdresses", ("nightdress",)),
    "bras": ("bras", ("bra",)),
    "brassiere": ("bras", ("bra",)),
    "sports bra": ("bras", ("bra",)),
    "shawl": ("shawls", ("stoles",)),
    "shawls": ("shawls", ("stoles",)),
    "stole": ("stoles", ("stoles",)),
    "muffler": ("mufflers", ("mufflers",)),
    "necklace": ("necklaces", ("necklace and chains",)),
    "necklaces": ("necklaces", ("necklace and chains",)),
    "bangles": ("bangles", ("bangle",)),
    "bracelets": ("bracelets", ("bracelet",)),
    "jhumka": ("earrings", ("earrings",)),
    "jhumkas": ("earrings", ("earrings",)),
    "jhumke": ("earrings", ("earrings",)),
    "studs": ("earrings", ("earrings",)),
    "chudiyan": ("bangles", ("bangle",)),
    "school bag": ("backpacks", ("backpacks",)),
    "college bag": ("backpacks", ("backpacks",)),
    "gym bag": ("gym bags", ("duffel bag",)),
    "duffle": ("duffel bags", ("duffel bag",)),
    "duffle bag": ("duffel bags", ("duffel bag",)),
    "travel bag": ("travel bags", ("duffel bag", "backpacks")),
    "sling bag": ("sling bags", ("messenger bag", "handbags")),
    "crossbody": ("sling bags", ("messenger bag", "handbags")),
    "shoulder bag": ("handbags", ("handbags",)),
    "clutch": ("clutches", ("clutches",)),
    "purse": ("purses", ("handbags", "clutches", "wallets")),
    "billfold": ("wallets", ("wallets",)),
    "phone case": ("phone cases", ("mobile pouch",)),
    "phone cover": ("phone cases", ("mobile pouch",)),
    "mobile cover": ("phone cases", ("mobile pouch",)),
    "keyring": ("key chains", ("key chain",)),
    "key ring": ("key chains", ("key chain",)),
    "baseball cap": ("caps", ("caps",)),
    "wrist watch": ("watches", ("watches",)),
    "wristwatch": ("watches", ("watches",)),
    "timepiece": ("watches", ("watches",)),
    "smartwatch": ("watches", ("watches",)),
    "sunnies": ("sunglasses", ("sunglasses",)),
    "aviators": ("sunglasses", ("sunglasses",)),
    "goggles": ("sunglasses", ("sunglasses",)),
    "cufflink": ("cufflinks", ("cufflinks",)),
    "hairband": ("headbands", ("headband",)),
    "hair band": ("headbands", ("headband",)),
    "sweatband": ("wristbands", ("wristbands",)),
    "bottle": ("bottles", ("water bottle",)),
    "bottles": ("bottles", ("water bottle",)),
    "water bottle": ("bottles", ("water bottle",)),
    "salwar suit": ("salwar suits", ("kurta sets",)),
    "salwar suits": ("salwar suits", ("kurta sets",)),
    "salwar kameez": ("salwar suits", ("kurta sets",)),
    "churidar suit": ("salwar suits", ("kurta sets",)),
    "anarkali": ("anarkalis", ("kurtas", "kurta sets")),
    "salwar": ("salwars", ("patiala",)),
    "patiala salwar": ("salwars", ("patiala",)),
    "kameez": ("kurtas", ("kurtas",)),
    "chunni": ("dupattas", ("dupatta",)),
    "chunri": ("dupattas", ("dupatta",)),
    "bag": ("bags", ("bags", "handbags", "backpacks")),
    # Hindi, Spanish and French words shoppers mix in
    "joota": ("shoes", ("shoes",)),
    "joote": ("shoes", ("shoes",)),
    "juta": ("shoes", ("shoes",)),
    "jootey": ("shoes", ("shoes",)),
    "jooti": ("juttis", ("flats",)),
    "jutti": ("juttis", ("flats",)),
    "juttis": ("juttis", ("flats",)),
    "mojari": ("juttis", ("flats",)),
    "chappal": ("chappals", ("sandals", "flip flops")),
    "ghadi": ("watches", ("watches",)),
    "ghari": ("watches", ("watches",)),
    "chashma": ("sunglasses", ("sunglasses",)),
    "dhoop ka chashma": ("sunglasses", ("sunglasses",)),
    "topi": ("caps", ("caps",)),
    "kamar patta": ("belts", ("belts",)),
    "batua": ("wallets", ("wallets",)),
    "jhola": ("bags", ("handbags", "backpacks")),
    "moze": ("socks", ("socks",)),
    "mozey": ("socks", ("socks",)),
    "zapatos": ("shoes", ("shoes",)),
    "zapatillas": ("sneakers", ("sports shoes", "casual shoes")),
    "camisa": ("shirts", ("shirts",)),
    "camisas": ("shirts", ("shirts",)),
    "camiseta": ("t-shirts", ("tshirts",)),
    "camisetas": ("t-shirts", ("tshirts",)),
    "vestido": ("dresses", ("dresses",)),
    "vestidos": ("dresses", ("dresses",)),
    "pantalones": ("trousers", ("trousers",)),
    "pantalon": ("trousers", ("trousers",)),
    "vaqueros": ("jeans", ("jeans",)),
    "falda": ("skirts", ("skirts",)),
    "faldas": ("skirts", ("skirts",)),
    "chaqueta": ("jackets", ("jackets",)),
    "reloj": ("watches", ("watches",)),
    "bolso": ("handbags", ("handbags",)),
    "bolsa": ("bags", ("handbags", "backpacks")),
    "gafas de sol": ("sunglasses", ("sunglasses",)),
    "gafas": ("sunglasses", ("sunglasses",)),
    "calcetines": ("socks", ("socks",)),
    "cinturon": ("belts", ("belts",)),
    "sandalias": ("sandals", ("sandals",)),
    "une robe": ("dresses", ("dresses",)),
    "la robe": ("dresses", ("dresses",)),
    "ma robe": ("dresses", ("dresses",)),
    "robe de soiree": ("dresses", ("dresses",)),
    "chaussures": ("shoes", ("shoes",)),
    "montre": ("watches", ("watches",)),
    "lunettes de soleil": ("sunglasses", ("sunglasses",)),
    "sac a main": ("handbags", ("handbags",)),
    "jupe": ("skirts", ("skirts",)),
    "chemise": ("shirts", ("shirts",)),
    # Everyday names by class (issue 23): what British, Indian, American and sports
    # shoppers call sunglasses, sneakers, rainwear and sportswear.
    "sun glasses": ("sunglasses", ("sunglasses",)),
    "cooling glasses": ("sunglasses", ("sunglasses",)),
    "cooling glass": ("sunglasses", ("sunglasses",)),
    "sun specs": ("sunglasses", ("sunglasses",)),
    "sunspecs": ("sunglasses", ("sunglasses",)),
    "coolers": ("sunglasses", ("sunglasses",)),
    "wayfarers": ("sunglasses", ("sunglasses",)),
    "running trainers": ("running shoes", ("sports shoes",)),
    "running shoe": ("running shoes", ("sports shoes",)),
    "runners": ("running shoes", ("sports shoes",)),
    "gym trainers": ("gym shoes", ("sports shoes",)),
    "tennis shoes": ("sneakers", ("sports shoes", "casual shoes")),
    "football boots": ("football boots", ("sports shoes",)),
    "cleats": ("cleats", ("sports shoes",)),
    "high tops": ("high tops", ("casual shoes",)),
    "hi tops": ("high tops", ("casual shoes",)),
    "slip ons": ("slip-ons", ("casual shoes",)),
    "slip on shoes": ("slip-ons", ("casual shoes",)),
    "daps": ("plimsolls", ("casual shoes",)),
    "kolhapuri": ("kolhapuris", ("sandals", "flats")),
    "kolhapuris": ("kolhapuris", ("sandals", "flats")),
    "rainwear": ("rainwear", ("rain jacket", "rain trousers")),
    "rain wear": ("rainwear", ("rain jacket", "rain trousers")),
    "rain gear": ("rainwear", ("rain jacket", "rain trousers")),
    "waterproofs": ("rainwear", ("rain jacket", "rain trousers")),
    "raincoats": ("raincoats", ("rain jacket",)),
    "waterproof jacket": ("rain jackets", ("rain jacket",)),
    "anorak": ("rain jackets", ("rain jacket",)),
    "cagoule": ("rain jackets", ("rain jacket",)),
    "windbreaker": ("jackets", ("jackets",)),
    "windcheaters": ("jackets", ("jackets",)),
    "fleece": ("fleeces", ("sweatshirts", "jackets")),
    "tracksuit bottoms": ("track pants", ("track pants",)),
    "track bottoms": ("track pants", ("track pants",)),
    "lowers": ("track pants", ("track pants",)),
    "sweats": ("track pants", ("track pants",)),
    "yoga pants": ("yoga pants", ("leggings", "track pants")),
    "gym tights": ("leggings", ("leggings",)),
    "running tights": ("leggings", ("leggings",)),
    "gym shorts": ("shorts", ("shorts",)),
    "running shorts": ("shorts", ("shorts",)),
    "cycling shorts": ("shorts", ("shorts",)),
    "polo neck": ("polo necks", ("sweaters",)),
    "turtleneck": ("turtlenecks", ("sweaters",)),
    "dressing gown": ("dressing gowns", ("bath robe",)),
    "kurta pyjama": ("kurta sets", ("kurta sets",)),
    "kurta pajama": ("kurta sets", ("kurta sets",)),
    "sando": ("vests", ("innerwear vests",)),
    "undershirt": ("vests", ("innerwear vests",)),
    "bum bag": ("bum bags", ("waist pouch",)),
    "fanny pack": ("bum bags", ("waist pouch",)),
}


# Things a fashion shop does not sell, clothing or not: (how to name them, what we have
# instead, in catalog words, or ""). Answered honestly, never with unrelated products.
NOT_SOLD: dict[str, tuple[str, str]] = {
    "laptop": ("laptops", "laptop bag"),
    "laptops": ("laptops", "laptop bag"),
    "computer": ("computers", "laptop bag"),
    "computers": ("computers", "laptop bag"),
    "macbook": ("laptops", "laptop bag"),
    "tablet": ("tablets", "tablet sleeve"),
    "tablets": ("tablets", "tablet sleeve"),
    "ipad": ("tablets", "tablet sleeve"),
    "phone": ("phones", "mobile pouch"),
    "phones": ("phones", "mobile pouch"),
    "mobile": ("phones", "mobile pouch"),
    "mobiles": ("phones", "mobile pouch"),
    "iphone": ("phones", "mobile pouch"),
    "smartphone": ("phones", "mobile pouch"),
    "spectacles": ("spectacles", "sunglasses"),
    "specs": ("spectacles", "sunglasses"),
    "eyeglasses": ("spectacles", "sunglasses"),
    "glasses": ("spectacles", "sunglasses"),
    "reading glasses": ("reading glasses", "sunglasses"),
    "contact lenses": ("contact lenses", ""),
    "lenses": ("contact lenses", ""),
    "sofa": ("sofas", ""),
    "sofas": ("sofas", ""),
    "couch": ("sofas", ""),
    "furniture": ("furniture", ""),
    "chair": ("chairs", ""),
    "chairs": ("chairs", ""),
    "table": ("tables", ""),
    "bed": ("beds", ""),
    "mattress": ("mattresses", ""),
    "pillow": ("pillows", ""),
    "pillows": ("pillows", ""),
    "curtains": ("curtains", ""),
    "bedsheet": ("bed linen", ""),
    "bedsheets": ("bed linen", ""),
    "towel": ("towels", ""),
    "towels": ("towels", ""),
    "lamp": ("lamps", ""),
    "shampoo": ("shampoo", ""),
    "conditioner": ("hair conditioner", ""),
    "soap": ("soap", ""),
    "toothpaste": ("toothpaste", ""),
    "toothbrush": ("toothbrushes", ""),
    "razor": ("razors", ""),
    "shaver": ("shavers", ""),
    "trimmer": ("trimmers", ""),
    "hair dryer": ("hair dryers", ""),
    "hairdryer": ("hair dryers", ""),
    "hair oil": ("hair oil", ""),
    "diapers": ("diapers", ""),
    "nappies": ("nappies", ""),
    "tennis racket": ("tennis rackets", ""),
    "tennis racquet": ("tennis rackets", ""),
    "racket": ("rackets", ""),
    "rackets": ("rackets", ""),
    "racquet": ("rackets", ""),
    "badminton racket": ("badminton rackets", ""),
    "shuttlecock": ("shuttlecocks", ""),
    "cricket bat": ("cricket bats", ""),
    "bat": ("bats", ""),
    "golf clubs": ("golf clubs", ""),
    "dumbbells": ("dumbbells", ""),
    "yoga mat": ("yoga mats", ""),
    "treadmill": ("treadmills", ""),
    "bicycle": ("bicycles", ""),
    "cycle": ("bicycles", ""),
    "skateboard": ("skateboards", ""),
    "helmet": ("helmets", ""),
    "tent": ("tents", ""),
    "tv": ("televisions", ""),
    "television": ("televisions", ""),
    "headphones": ("headphones", ""),
    "earphones": ("earphones", ""),
    "earbuds": ("earphones", ""),
    "camera": ("cameras", ""),
    "charger": ("chargers", ""),
    "power bank": ("power banks", ""),
    "speaker": ("speakers", ""),
    "book": ("books", ""),
    "books": ("books", ""),
    "toys": ("toys", ""),
    "toy": ("toys", ""),
    "groceries": ("groceries", ""),
    "food": ("food", ""),
    "medicine": ("medicine", ""),
    "car": ("cars", ""),
    "furniture polish": ("furniture polish", ""),
    "kettle": ("kettles", ""),
    "microwave": ("microwaves", ""),
    "fridge": ("fridges", ""),
    "utensils": ("kitchenware", ""),
    "cookware": ("kitchenware", ""),
    "anklet": ("anklets", "bracelet"),
    "anklets": ("anklets", "bracelet"),
    "payal": ("anklets", "bracelet"),
    "bindi": ("bindis", ""),
    "nose ring": ("nose rings", "earrings"),
    "nose pin": ("nose rings", "earrings"),
    "wig": ("wigs", ""),
    "wellies": ("wellies", "rain jacket"),
    "wellingtons": ("wellies", "rain jacket"),
    "gumboots": ("gumboots", "rain jacket"),
    "rain boots": ("rain boots", "rain jacket"),
    "cycling helmet": ("helmets", ""),
    "wigs": ("wigs", ""),
}

# Clothing the catalog may lack, and what it has nearest (catalog words).
ALTERNATIVES: dict[str, str] = {
    "hats": "caps",
    "coats": "jackets",
    "overcoats": "jackets",
    "suits": "blazers",
    "tuxedos": "blazers",
    "beanies": "caps",
    "sherwanis": "kurtas",
    "lehengas": "kurta sets",
    "gowns": "dresses",
    "wedding dresses": "dresses",
    "raincoats": "jackets",
    "boots": "casual shoes",
    "slippers": "sandals",
    "mittens": "gloves",
}

# Words that name an article type but rank when a number follows ("top 5 watches").
RANKING_WORDS = frozenset({"top"})
# Words that describe products well enough to search by, with no article type named.
DESCRIBING_WORDS = frozenset(
    """summer winter spring autumn fall monsoon casual formal ethnic sports party smart
    cotton linen leather denim silk wool woollen woolen polyester suede velvet satin chiffon
    floral printed striped checked checks plain solid embroidered sequin sequinned
    lightweight waterproof warm comfortable comfy slim fit loose oversized cropped
    vintage retro classic trendy elegant festive traditional""".split()  # noqa: SIM905
)
# Heads of multi-word article types that are too generic to mean "every type
# ending in this word" ("long sleeve shirt" must not mean "Tablet Sleeve").
GENERIC_HEADS = frozenset(
    {
        "set",
        "sets",
        "accessory",
        "accessories",
        "care",
        "sleeve",
        "bottle",
        "primer",
        "mist",
        "chain",
        "chains",
        "blush",
        "pouch",
        "holder",
        "gift",
        "free",
        "items",
        "kit",
        # garment nouns that need their modifier: "suits" is not "Night suits"
        "suit",
        "suits",
        "dress",
        "dresses",
    }
)
# Sub/master category names that read as ordinary words.
GENERIC_GROUPS = frozenset(
    {
        "free",
        "gifts",
        "free gifts",
        "eyes",
        "skin",
        "lips",
        "nails",
        "home",
        "makeup",
        "personal care",
        "skin care",
        "hair",
        "fragrance",
        "vouchers",
        "water bottle",
        "perfumes",
        "bath and body",
        "beauty accessories",
        "sports equipment",
        "wallets",
        "apparel set",
        "sporting goods",
    }
)
# Words that rule out what follows them: "shoes not sandals", "no shirts please",
# "without a belt", "except heels", "sneakers instead of sandals".
NEGATIONS = frozenset(
    {"not", "no", "without", "except", "excluding", "neither", "nor", "dont", "never"}
)
# "but" rules out what follows only after these: "anything but heels" (not "a watch but a belt").
BUT_LEADS = frozenset({"anything", "everything", "all"})
NEGATION_PAIRS = frozenset({"instead of", "rather than", "other than", "apart from"})
# Words that may sit between a negation and what it rules out ("not any sandals").
NEGATION_FILLERS = frozenset(
    {"a", "an", "any", "the", "more", "those", "these", "some", "of", "want", "need", "like"}
)


# "nude shades", "shades of blue", "lipstick shades": shades that are not sunglasses.
SHADE_WORDS = frozenset({"shade", "shades"})
SHADE_QUALIFIERS = frozenset(
    {
        "nude",
        "pastel",
        "bright",
        "dark",
        "light",
        "different",
        "other",
        "many",
        "all",
        "lipstick",
        "lip",
        "neutral",
        "warm",
        "cool",
        "earthy",
        "muted",
        "bold",
        "nail",
        "some",
        "more",
        "new",
    }
)
# "suit" is a verb before these: "what would suit me", "suits my skin".
SUIT_VERB_NEXT = frozenset(
    {
        "me",
        "my",
        "him",
        "her",
        "them",
        "us",
        "you",
        "your",
        "the",
        "a",
        "an",
        "this",
        "that",
        "everyone",
        "everybody",
        "all",
    }
)
# "dress" is a verb after these ("how to dress for", "what should I dress in") or before these.
DRESS_VERB_PREVIOUS = frozenset({"to", "i", "we", "should", "you", "how", "they", "he", "she"})
DRESS_VERB_NEXT = frozenset({"up", "down", "like", "smart", "smartly", "well"})
# "top" is no article type here: "top 5", "top rated", "on top of".
TOP_NOT_AN_ITEM_NEXT = frozenset(
    {
        "rated",
        "brands",
        "brand",
        "quality",
        "picks",
        "pick",
        "selling",
        "sellers",
        "seller",
        "notch",
        "of",
        "deals",
        "10",
        "5",
        "3",
    }
)
# "my white kurta", "this shirt of mine": what the shopper has, not what they want.
OWNED_LEADS = frozenset({"my", "mine", "our", "his", "hers", "this", "these"})
MAX_OWNED_DESCRIBERS = 3

# Asking for a whole outfit rather than named items.
OUTFIT_WORDS = frozenset(
    {
        "outfit",
        "outfits",
        "look",
        "looks",
        "ensemble",
        "attire",
        "ootd",
        "wear",
        "dress",
        "wardrobe",
        "kit",
        "clothes",
        "clothing",
        "style",
        "styling",
        "combo",
        "combination",
    }
)
OUTFIT_PHRASES = (
    "what to wear",
    "what should i wear",
    "what do i wear",
    "what can i wear",
    "how to dress",
    "how should i dress",
    "dress for",
    "get ready",
    "head to toe",
    "complete look",
    "full look",
    "what goes with",
    "goes with my",
    "go with my",
    "to match my",
    "match my",
    "pair with my",
)

# Who the shopper is shopping for: words that name a catalog gender.
GENDER_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "men",
            "man",
            "mens",
            "male",
            "males",
            "guy",
            "guys",
            "gents",
            "gent",
            "gentleman",
            "gentlemen",
            "boyfriend",
            "husband",
            "hubby",
            "father",
            "dad",
            "brother",
            "him",
            "his",
            "he",
            "groom",
            "hombre",
            "hombres",
            "homme",
            "hommes",
            "aadmi",
            "purush",
            "ladke",
            "mard",
        ],
        "Men",
    ),
    **dict.fromkeys(
        [
            "women",
            "woman",
            "womens",
            "female",
            "females",
            "lady",
            "ladies",
            "girlfriend",
            "wife",
            "mother",
            "mom",
            "mum",
            "sister",
            "her",
            "she",
            "bride",
            "mujer",
            "mujeres",
            "femme",
            "femmes",
            "aurat",
            "mahila",
            "ladki",
            "ladies",
        ],
        "Women",
    ),
    **dict.fromkeys(["boy", "boys", "son", "sons", "nephew", "ninos"], "Boys"),
    **dict.fromkeys(["girl", "girls", "daughter", "daughters", "niece", "ninas"], "Girls"),
    **dict.fromkeys(["unisex", "anyone", "everyone"], "Unisex"),
}
# Catalog genders a shopper's gender includes when filtering.
GENDER_FILTERS: dict[str, tuple[str, ...]] = {
    "Men": ("Men", "Unisex"),
    "Women": ("Women", "Unisex"),
    "Boys": ("Boys", "Unisex"),
    "Girls": ("Girls", "Unisex"),
    "Unisex": (),
}
# Outfits are kept per adult gender; children's outfits use the nearest.
OUTFIT_GENDER = {"Men": "Men", "Boys": "Men", "Women": "Women", "Girls": "Women"}

# Colour families: a shopper's family word ("blue") also means these catalog shades,
# ranked after the exact colour ("navy is a blue"). One table for the assistant (and
# for search, should it want families too): keys and members are catalog spellings.
COLOUR_FAMILIES: dict[str, tuple[str, ...]] = {
    "Blue": ("Blue", "Navy Blue", "Turquoise Blue", "Teal"),
    "White": ("White", "Off White", "Cream"),
    "Grey": ("Grey", "Charcoal", "Grey Melange", "Steel"),
    "Brown": ("Brown", "Coffee Brown", "Mushroom Brown", "Tan", "Taupe", "Khaki"),
    "Beige": ("Beige", "Cream", "Khaki", "Nude", "Skin", "Taupe"),
    "Green": ("Green", "Olive", "Sea Green", "Lime Green", "Teal"),
    "Red": ("Red", "Maroon", "Rust", "Burgundy"),
    "Pink": ("Pink", "Magenta", "Rose", "Peach"),
    "Purple": ("Purple", "Lavender", "Magenta"),
    "Yellow": ("Yellow", "Mustard", "Gold"),
    "Orange": ("Orange", "Rust", "Peach"),
    "Gold": ("Gold", "Bronze", "Copper"),
    "Silver": ("Silver", "Steel", "Metallic"),
}


def colour_family(colour: str) -> tuple[str, ...]:
    """The catalog colours a shopper's colour means: itself first, then its family's
    shades when it names a family ("Blue" -> Navy Blue, ...; "Navy Blue" is only itself)."""
    if not colour:
        return ()
    return tuple(dict.fromkeys([colour, *COLOUR_FAMILIES.get(colour, ())]))


# Colour words shoppers use for the catalog's colours.
COLOUR_ALIASES: dict[str, str] = {
    "navy": "Navy Blue",
    "gray": "Grey",
    "offwhite": "Off White",
    "golden": "Gold",
    "maroon": "Maroon",
    "burgundy": "Maroon",
    "wine": "Maroon",
    "nude": "Nude",
    "skin": "Skin",
    "cream": "Cream",
    "khaki": "Khaki",
    "olive": "Olive",
    "mustard": "Mustard",
    "tan": "Tan",
    "beige": "Beige",
    "lavender": "Lavender",
    "peach": "Peach",
    "teal": "Teal",
    "rust": "Rust",
    "kala": "Black",
    "safed": "White",
    "lal": "Red",
    "neela": "Blue",
    "negro": "Black",
    "negra": "Black",
    "blanco": "White",
    "blanca": "White",
    "rojo": "Red",
    "roja": "Red",
    "azul": "Blue",
    "rosa": "Pink",
    "noir": "Black",
    "blanc": "White",
    "rouge": "Red",
}

# Follow-ups that page on, price down or drop something said before.
MORE_PHRASES = (
    "more",
    "other options",
    "other ones",
    "others",
    "something else",
    "anything else",
    "different ones",
    "next",
    "another",
    "different",
    "alternatives",
)
CHEAPER_WORDS = frozenset({"cheaper", "cheap", "affordable", "budget", "less expensive", "lower"})
FORGET_WORDS = frozenset({"forget", "drop", "remove", "skip", "scrap", "lose", "nevermind"})
ANY_COLOUR = ("any colour", "any color", "other colours", "other colors", "whatever colour")
NO_BUDGET = ("no budget", "any price", "any budget", "price doesnt matter", "money no object")

# Common English words a few letters from a catalog word, never "corrected" into one
# ("best" is not "vest", "match" not "watch", "bring" not "ring").
COMMON_WORDS = frozenset(
    """hand hands band land sand best test rest west nest felt melt bolt match matches matched
    matching catch patch batch
    latch bring brings thing things king wing sing sings tips tops cups maps laps caps cape
    lies dies pies toes tons tots rocks locks sacks means mean beans heals deals meals seals
    press pressed shore shore short sport sports shirt skirt skirts shirts dresses dressed
    dressing dressy belly bells hell well wall walls tall ball balls bags begs bogs jean jeans
    sale sales same some home time size sizes nice cute more most work walk warm cool cold
    sold bold gold dark light plain print prints printed pair pairs paid pain vast cast coat
    cost post host lost last list mist gift lift soft loft suit suite quite quiet white while
    whale wine line fine mine kind find mind wild mild lace laces face race pace place space
    slim slip ship shop shops stop stops shoe shoes scarf wears wearing sweet sweat sheer
    cheer jacket jackets rain ring rings robe rope rose nose hose host jogging joking looking
    booking cooking hooking""".split()  # noqa: SIM905 - reads better as prose
)

# Words that carry no search meaning in a request to an assistant.
REQUEST_WORDS = frozenset(
    """a an the and or but of for to in on at with without from by me my i im i'm we us our
    you your it its this that these those is are was be been am do does can could would
    should will please pls show find give get want wanted need needs needed looking look
    for some any few several options option pairs pair items item pieces piece ideas
    choices suggestions suggest recommend recommendation something anything what which
    how about like love also too more other another one two three four five six seven
    eight nine ten couple dozen go goes going with match matches matching complete
    outfit outfits help hi hello hey thanks thank have has got buy buying wear wearing
    new good nice great cool best kind type sort so just really very size under below
    above over rupees rs inr price budget cheap year years old instead twenty not no nor
    without except excluding neither dont never rather than apart id ill youd wed
    there here sell sells selling stock carry carries available everything all top
    less upto within max maximum cheaper inch inches cm waist uk eu eur each
    actually forget drop remove others else different ones next alternatives
    men man mens women woman womens him her his he she guy guys lady ladies
    para de la el los las une un una pour le ke liye ki ka chahiye dikhao""".split()  # noqa: SIM905 - reads better as prose
)
