/**
 * Static shape of the REES46 multi-category store, as data.
 *
 * CODES: one line per category_code: `code rows ids median brands...`. The first 115 lines
 * are measured on the real sample rees46_multicategory_2019-Oct_head17434.csv (rows and
 * distinct category_ids seen, median price rounded, the 8 most frequent brands); the last 14
 * are plausible codes of the same store that the 3-hour sample does not contain, so that the
 * taxonomy has the published 129 codes. Row weights are rescaled per top-level category to
 * the published Nov 2019 views by top level (STATS.md).
 */
export const CODES_TABLE = `
  electronics.smartphone 4720 1 287 samsung apple xiaomi huawei oppo vivo meizu nokia
  electronics.clocks 562 2 165 casio apple samsung xiaomi garmin tissot longines swatch
  computers.notebook 558 1 597 acer lenovo hp asus apple dell xiaomi msi
  electronics.audio.headphone 403 1 71 apple xiaomi elari samsung jbl sony huawei pioneer
  appliances.kitchen.refrigerators 330 3 311 indesit lg beko atlant haier dometic midea dauscher
  appliances.environment.vacuum 274 4 117 samsung karcher vitek xiaomi bosch gorenje elenberg dauscher
  appliances.environment.air_heater 249 1 34 oasis elenberg electrolux ballu timberk midea hyundai willmark
  electronics.video.tv 246 2 422 samsung artel lg sony haier yasin kivi tcl
  auto.accessories.player 245 1 72 pioneer jvc nakamichi kenwood swat sony mystery winca
  apparel.shoes 228 12 90 respect salamander rieker shagovita baden marcomen fassen greyder
  appliances.kitchen.washer 224 1 335 samsung lg indesit beko midea artel haier atlant
  apparel.shoes.keds 192 4 72 respect strobbs adidas asics nike nexpero baden puma
  electronics.telephone 174 2 26 nokia texet bq inoi panasonic philips prestigio fly
  furniture.living_room.cabinet 144 2 283 sv brw bts
  auto.accessories.alarm 134 1 121 starline tomahawk cenmax centurion pandora alligator
  appliances.kitchen.meat_grinder 128 1 72 bosch redmond moulinex dauscher elenberg polaris philips scarlett
  furniture.living_room.sofa 127 1 541 rals divalux imperial
  computers.desktop 117 4 617 pulser acer hp lenovo netechnics apple dxracer smart
  furniture.bedroom.bed 112 3 155 sv brw bts lorelli polini incanto romack joie
  accessories.bag 99 7 64 karya baden rivacase lenovo xiaomi continent coccinelle plano
  appliances.kitchen.microwave 93 1 86 samsung elenberg lg ava gorenje horizont dauscher midea
  appliances.environment.water_heater 90 1 99 ariston artel thermex haier teploross aqua garanterm midea
  appliances.iron 88 1 28 tefal redmond scarlett elenberg philips vitek panasonic saturn
  electronics.audio.subwoofer 88 1 102 pride pioneer alpine hertz mystery alphard audison jvc
  appliances.kitchen.blender 86 1 54 redmond polaris braun vitek panasonic elenberg philips bosch
  sport.bicycle 83 5 268 axis giant phoenix stels torrent bafang sunday dk
  kids.carriage 78 1 118 belecoo wingoffly alis anex chicco coballe lorelli rant
  auto.accessories.videoregister 77 1 142 sho-me ibox neoline prestigio xiaomi anytek inspector subini
  construction.tools.drill 77 2 82 bosch makita crown alteco dewalt total dwt p.i.t.
  electronics.tablet 71 3 384 apple samsung huawei prestigio wacom bq lenovo microsoft
  appliances.environment.air_conditioner 69 1 197 elenberg tcl almacom atlantic mdv midea electrolux oasis
  construction.tools.saw 66 3 113 huter stihl makita bosch alteco dewalt eurolux ivt
  appliances.kitchen.oven 59 1 55 artel elenberg asel bosch hansa shivaki aeg bbk
  appliances.sewing_machine 58 1 235 janome bernina jaguar brother elna
  computers.components.videocards 58 1 315 palit asus gigabyte powercolor msi gainward sinotex asrock
  appliances.kitchen.kettle 57 3 36 tefal dauscher maxwell elenberg panasonic polaris xiaomi braun
  appliances.kitchen.hood 55 1 69 artel turbo turboair midea dauscher hansa zorg bosch
  appliances.kitchen.mixer 50 1 33 polaris scarlett elenberg bosch panasonic dauscher braun kitchenaid
  computers.peripherals.monitor 46 1 107 samsung qmax acer lg asus aoc dell hp
  furniture.kitchen.table 46 4 116 bts domini sv ersport aero bazhou brw halmar
  appliances.kitchen.grill 41 1 113 redmond tefal delonghi maxwell vitek
  construction.tools.welding 41 1 201 magnetta denzel huter laston redbo edon fubag aiken
  furniture.kitchen.chair 39 2 57 zeta shenma joie barneo mamadoma lorelli lorelli-bertoni sv
  computers.peripherals.printer 37 2 136 epson hp canon samsung
  computers.components.hdd 35 1 40 kingston transcend crucial apacer gigabyte hp
  appliances.kitchen.dishwasher 34 1 386 bosch beko dauscher hansa indesit electrolux midea samsung
  construction.tools.pump 34 1 64 leo alteco magnetta greenpro pedrollo
  kids.toys 32 3 23 chicco orange silverlit alilo fancy bertoni bestoy cubicfun
  furniture.living_room.chair 31 2 205 heyner lorelli bertoni joie nania siger
  appliances.kitchen.hob 30 1 229 dauscher bosch hansa beko greta samsung candy electrolux
  construction.tools.light 28 3 7 eco garant lezard ansmann mantra
  apparel.shoes.sandals 27 2 34 rieker respect salamander ara burgerschuhe indiana suave tuffoni
  computers.peripherals.mouse 27 1 20 logitech hp delux crown kingston x-game defender steelseries
  appliances.personal.hair_cutter 26 1 22 philips vitek moser scarlett bene maxwell braun elenberg
  appliances.personal.scales 25 2 18 bene xiaomi redmond elenberg galaxy huawei maxwell polaris
  computers.peripherals.keyboard 25 1 46 redragon defender kingston rapoo delux sven x-game acme
  construction.tools.generator 24 2 90 philips karcher tefal elenberg denzel huter polaris scarlett
  electronics.audio.acoustic 24 3 156 fender yamaha denn bose lg samsung sony squier
  kids.skates 24 1 370 kugoo xiaomi freefeet maomaoku segway candy e-twow longway
  computers.components.memory 23 1 49 hyperx geil kingston crucial
  accessories.wallet 20 1 39 karya picard petek
  electronics.camera.video 19 1 232 xiaomi gopro panasonic
  apparel.shoes.slipons 18 2 48 bugatti greyder nexpero caprice respect spur vans
  computers.components.motherboard 18 1 153 asus asrock gigabyte msi
  computers.components.power_supply 18 1 75 huntkey gigabyte cougar corsair
  furniture.bedroom.pillow 17 1 15 belashoff vegas altinbasak tamish
  kids.dolls 17 1 27 llorens mattel sariel
  stationery.cartrige 17 1 11 hp
  apparel.costume 16 2 136
  auto.accessories.compressor 15 3 119 berkut chameleon denzel ryobi
  computers.components.cpu 15 1 249 intel amd
  electronics.video.projector 15 1 403 viewsonic cinemood byintek epson vivitek optoma sony
  apparel.shoes.moccasins 12 2 80 etor destra caprice greyder salamander
  furniture.bathroom.toilet 12 1 73 cersanit santeri sanita rosa santek
  appliances.ironing_board 11 1 30 nika perilla
  appliances.kitchen.juicer 11 1 134 bosch elenberg philips braun
  electronics.audio.microphone 11 1 19 trust hoco ritmix
  kids.fmcg.diapers 11 1 13 huggies pampers merries
  computers.components.cooler 10 2 32 almacom midea aerocool enermax
  furniture.universal.light 10 1 661 mantra futura
  appliances.kitchen.coffee_machine 9 1 28 maxwell delonghi gorenje philips redmond
  medicine.tools.tonometer 9 1 51 omron
  appliances.kitchen.toster 8 2 31 philips smeg vitek gorenje
  furniture.bathroom.bath 8 1 341 sharking triton cersanit zara
  apparel.underwear 7 1 22 milavitsa
  appliances.kitchen.steam_cooker 7 1 36 polaris tefal
  accessories.umbrella 5 1 25 xiaomi hoco
  apparel.dress 5 2 31 mltl sly
  apparel.trousers 5 2 40 sly
  auto.accessories.radar 5 1 90 neoline sho-me ibox
  country_yard.furniture.hammok 5 1 229 ventara palisad
  auto.accessories.parktronic 4 1 31 parkmaster flashpoint
  auto.accessories.winch 4 1 581 t-max
  computers.ebooks 4 1 128 pocketbook
  country_yard.cultivator 4 1 126 huter viking
  kids.swing 4 1 273
  sport.trainer 4 2 450 housefit
  apparel.shoes.espadrilles 3 1 23 rieker
  apparel.tshirt 3 1 41 puma
  construction.components.faucet 3 1 40 decoroom rossinka
  furniture.bedroom.blanket 3 1 73 alvitek askona
  apparel.shoes.step_ins 2 1 44 greyder
  electronics.camera.photo 2 1 641 canon
  sport.snowboard 2 2 269 ride thule
  sport.tennis 2 2 64 head
  apparel.jacket 1 1 50 aivengo
  apparel.jeans 1 1 56
  apparel.scarf 1 1 18 fabretti
  apparel.shirt 1 1 30 dion
  apparel.shoes.ballet_shoes 1 1 14
  apparel.skirt 1 1 17
  apparel.sock 1 1 22
  appliances.kitchen.coffee_grinder 1 1 23 scarlett
  electronics.audio.music_tools.piano 1 1 52 m-audio
  sport.ski 1 1 334 elan
  appliances.environment.fan 3 1 25 vitek scarlett polaris
  appliances.personal.massager 3 1 40 beurer xiaomi
  appliances.kitchen.fryer 2 1 60 tefal philips
  computers.network.router 4 1 35 tp-link keenetic d-link xiaomi
  computers.peripherals.camera 3 1 30 logitech defender
  computers.components.sound_card 1 1 30 creative asus
  electronics.audio.dictaphone 1 1 60 ritmix olympus
  construction.tools.screw 3 1 60 makita bosch dewalt
  country_yard.lawn_mower 2 1 180 huter stihl
  country_yard.watering 1 1 25 gardena
  sport.diving 1 1 40 mares
  stationery.battery 1 1 5 duracell energizer
  furniture.living_room.shelving 2 1 80 sv brw
  auto.accessories.light 2 1 20 osram philips
`;

/** Brands of products whose category has no category_code, most frequent first (same sample). */
export const NULL_CODE_BRANDS = (
  'lucente xiaomi cordiant bosch triangle dauscher nokian sony artel sokolov yokohama stels luminarc gerat ' +
  'samsung skad force redmond vitek sv polaris bars janome philips kipardo viatti omron svc gipfel bridgestone ' +
  'brw omabelle karcher bts granhel maxxis aeroforce matador erlit elenberg montale scarlett toro rondell lego ' +
  'carters panasonic lg vega hubert rowenta lider lux gefest michelin cantra apple pt-group lanvin bfgoodrich ' +
  'shiseido creed baden'
).split(' ');

/**
 * Nov 2019 views by top-level category (first token of category_code), STATS.md. The rows
 * without a code are set separately to the published 32.44% of all rows.
 */
export const TOP_LEVEL_VIEWS: Record<string, number> = {
  electronics: 21_987_484,
  appliances: 8_037_783,
  computers: 4_028_930,
  apparel: 2_942_530,
  furniture: 2_058_760,
  auto: 1_164_246,
  construction: 1_047_052,
  kids: 779_489,
  accessories: 380_355,
  sport: 240_759,
  medicine: 20_764,
  country_yard: 17_299,
  stationery: 11_924,
};

/** Share of rows with an empty category_code (Nov 2019: 21,898,171 of 67,501,979). */
export const NULL_CODE_SHARE = 0.3244;
/** Share of rows with an empty brand (Nov 2019: 9,224,078 of 67,501,979). */
export const NULL_BRAND_SHARE = 0.1366;
/** Share of rows with price <= 0 (Nov 2019: 188,088 of 67,501,979). */
export const ZERO_PRICE_SHARE = 0.0028;
/** Share of rows that exactly duplicate the previous row (Nov 2019: 100,519 of 67,501,979). */
export const DUPLICATE_SHARE = 0.0015;
/** Empty user_session values (Nov 2019: 10 of 67,501,979 rows). */
export const EMPTY_SESSION_SHARE = 10 / 67_501_979;
/** Share of products with more than one price during the month (Nov: 70,684 of 190,662). */
export const MULTI_PRICE_PRODUCT_SHARE = 0.37;

/** Event mix of Nov 2019: view 63,556,110 / cart 3,028,930 / purchase 916,939. */
export const MIX = { view: 63_556_110, cart: 3_028_930, purchase: 916_939 };

/**
 * One row per day of Nov 2019: [all events in millions, carts per view, purchases per cart],
 * before the global rescaling to MIX. Derived from the published events by weekday (Nov 1
 * is a Friday; Fri and Sat occur 5 times) and the sale of Nov 15-17 (carts jump on the
 * 15th, purchases on the 16th, ~68k, and the 17th, ~185k, against ~24k a normal day).
 */
const WEEKDAY: [number, number, number][] = [
  /* Sun */ [2.2, 0.034, 0.38],
  /* Mon */ [1.85, 0.0357, 0.418],
  /* Tue */ [1.77, 0.0345, 0.415],
  /* Wed */ [1.77, 0.0349, 0.414],
  /* Thu */ [2.05, 0.0434, 0.286],
  /* Fri */ [2.0, 0.034, 0.33],
  /* Sat */ [2.1, 0.034, 0.37],
];
const SALE_DAYS: Record<number, [number, number, number]> = {
  15: [5.0, 0.101, 0.042],
  16: [4.85, 0.083, 0.178],
  17: [4.9, 0.085, 0.47],
};

export function dayTable(): [number, number, number][] {
  const days: [number, number, number][] = [];
  for (let d = 1; d <= 30; d++) days.push(SALE_DAYS[d] ?? WEEKDAY[(d + 4) % 7]); // Nov 1 2019 = Friday (5)
  return days;
}

/**
 * Relative activity per UTC hour (the store is Russian, UTC+3): almost nothing at night
 * (the real October file has ~6k rows/hour at 00-03 UTC against ~57k on average).
 */
export const HOUR_PROFILE = [
  0.12, 0.11, 0.13, 0.25, 0.5, 0.8, 1.1, 1.3, 1.4, 1.45, 1.45, 1.45,
  1.45, 1.5, 1.55, 1.6, 1.65, 1.6, 1.45, 1.2, 0.85, 0.5, 0.3, 0.18,
];

/** Syllables for made-up brand names of the long tail. */
export const SYLLABLES = (
  'ka lo mi ra ve to ni sa de ru po la ze fi mo ta be ko li na se vi do ma ro te gu ba ne ti ' +
  'xa ly zo re pa vo di mu ga fe no ki bo sa lu ja tri ster vel mar dor len tex gar ton bel'
).split(' ');
export const BRAND_SUFFIXES = ['', '', '', '', 'a', 'o', 'ex', 'on', 'is', 'er', 'ia', 'ix', 'us', '-m', 'pro'];
