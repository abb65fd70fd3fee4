package extract

import "strings"

// countryList is ISO 3166-1 alpha-2 code, alpha-3 code and the short English
// name used in postings, one country a line.
const countryList = `AD AND Andorra
AE ARE United Arab Emirates
AF AFG Afghanistan
AG ATG Antigua and Barbuda
AL ALB Albania
AM ARM Armenia
AO AGO Angola
AR ARG Argentina
AT AUT Austria
AU AUS Australia
AZ AZE Azerbaijan
BA BIH Bosnia and Herzegovina
BB BRB Barbados
BD BGD Bangladesh
BE BEL Belgium
BF BFA Burkina Faso
BG BGR Bulgaria
BH BHR Bahrain
BI BDI Burundi
BJ BEN Benin
BN BRN Brunei
BO BOL Bolivia
BR BRA Brazil
BS BHS Bahamas
BT BTN Bhutan
BW BWA Botswana
BY BLR Belarus
BZ BLZ Belize
CA CAN Canada
CD COD Democratic Republic of the Congo
CF CAF Central African Republic
CG COG Republic of the Congo
CH CHE Switzerland
CI CIV Côte d'Ivoire
CL CHL Chile
CM CMR Cameroon
CN CHN China
CO COL Colombia
CR CRI Costa Rica
CU CUB Cuba
CV CPV Cape Verde
CY CYP Cyprus
CZ CZE Czech Republic
DE DEU Germany
DJ DJI Djibouti
DK DNK Denmark
DM DMA Dominica
DO DOM Dominican Republic
DZ DZA Algeria
EC ECU Ecuador
EE EST Estonia
EG EGY Egypt
ER ERI Eritrea
ES ESP Spain
ET ETH Ethiopia
FI FIN Finland
FJ FJI Fiji
FR FRA France
GA GAB Gabon
GB GBR United Kingdom
GD GRD Grenada
GE GEO Georgia
GH GHA Ghana
GM GMB Gambia
GN GIN Guinea
GQ GNQ Equatorial Guinea
GR GRC Greece
GT GTM Guatemala
GW GNB Guinea-Bissau
GY GUY Guyana
HK HKG Hong Kong
HN HND Honduras
HR HRV Croatia
HT HTI Haiti
HU HUN Hungary
ID IDN Indonesia
IE IRL Ireland
IL ISR Israel
IN IND India
IQ IRQ Iraq
IR IRN Iran
IS ISL Iceland
IT ITA Italy
JM JAM Jamaica
JO JOR Jordan
JP JPN Japan
KE KEN Kenya
KG KGZ Kyrgyzstan
KH KHM Cambodia
KM COM Comoros
KN KNA Saint Kitts and Nevis
KP PRK North Korea
KR KOR South Korea
KW KWT Kuwait
KZ KAZ Kazakhstan
LA LAO Laos
LB LBN Lebanon
LC LCA Saint Lucia
LI LIE Liechtenstein
LK LKA Sri Lanka
LR LBR Liberia
LS LSO Lesotho
LT LTU Lithuania
LU LUX Luxembourg
LV LVA Latvia
LY LBY Libya
MA MAR Morocco
MC MCO Monaco
MD MDA Moldova
ME MNE Montenegro
MG MDG Madagascar
MK MKD North Macedonia
ML MLI Mali
MM MMR Myanmar
MN MNG Mongolia
MO MAC Macau
MR MRT Mauritania
MT MLT Malta
MU MUS Mauritius
MV MDV Maldives
MW MWI Malawi
MX MEX Mexico
MY MYS Malaysia
MZ MOZ Mozambique
NA NAM Namibia
NE NER Niger
NG NGA Nigeria
NI NIC Nicaragua
NL NLD Netherlands
NO NOR Norway
NP NPL Nepal
NZ NZL New Zealand
OM OMN Oman
PA PAN Panama
PE PER Peru
PG PNG Papua New Guinea
PH PHL Philippines
PK PAK Pakistan
PL POL Poland
PR PRI Puerto Rico
PS PSE Palestine
PT PRT Portugal
PY PRY Paraguay
QA QAT Qatar
RO ROU Romania
RS SRB Serbia
RU RUS Russia
RW RWA Rwanda
SA SAU Saudi Arabia
SC SYC Seychelles
SD SDN Sudan
SE SWE Sweden
SG SGP Singapore
SI SVN Slovenia
SK SVK Slovakia
SL SLE Sierra Leone
SN SEN Senegal
SO SOM Somalia
SR SUR Suriname
SV SLV El Salvador
SY SYR Syria
SZ SWZ Eswatini
TD TCD Chad
TG TGO Togo
TH THA Thailand
TJ TJK Tajikistan
TM TKM Turkmenistan
TN TUN Tunisia
TR TUR Turkey
TT TTO Trinidad and Tobago
TW TWN Taiwan
TZ TZA Tanzania
UA UKR Ukraine
UG UGA Uganda
US USA United States
UY URY Uruguay
UZ UZB Uzbekistan
VE VEN Venezuela
VN VNM Vietnam
YE YEM Yemen
ZA ZAF South Africa
ZM ZMB Zambia
ZW ZWE Zimbabwe`

// countryAliases are other names postings use for a country.
var countryAliases = map[string]string{
	"usa": "United States", "u.s.": "United States", "u.s.a.": "United States", "united states of america": "United States",
	"america": "United States", "uk": "United Kingdom", "u.k.": "United Kingdom", "great britain": "United Kingdom",
	"england": "United Kingdom", "scotland": "United Kingdom", "wales": "United Kingdom", "northern ireland": "United Kingdom",
	"deutschland": "Germany", "españa": "Spain", "italia": "Italy", "schweiz": "Switzerland", "suisse": "Switzerland",
	"nederland": "Netherlands", "the netherlands": "Netherlands", "holland": "Netherlands", "österreich": "Austria",
	"czechia": "Czech Republic", "korea": "South Korea", "republic of korea": "South Korea", "korea, republic of": "South Korea",
	"türkiye": "Turkey", "turkiye": "Turkey", "viet nam": "Vietnam", "russian federation": "Russia", "uae": "United Arab Emirates",
	"brasil": "Brazil", "méxico": "Mexico", "prc": "China", "mainland china": "China", "hong kong sar": "Hong Kong",
	"ivory coast": "Côte d'Ivoire", "cote d'ivoire": "Côte d'Ivoire", "macao": "Macau", "taiwan, province of china": "Taiwan",
	"polska": "Poland", "sverige": "Sweden", "norge": "Norway", "danmark": "Denmark", "suomi": "Finland", "éire": "Ireland",
	"iran, islamic republic of": "Iran", "moldova, republic of": "Moldova", "tanzania, united republic of": "Tanzania",
}

// ukNations are regions that some sites give as countries.
var ukNations = map[string]bool{"england": true, "scotland": true, "wales": true, "northern ireland": true}

var (
	countryByCode = map[string]string{} // "US", "USA" → "United States"
	countryByName = map[string]string{} // "united states" → "United States"
)

func init() {
	for _, line := range strings.Split(countryList, "\n") {
		a2, rest, _ := strings.Cut(line, " ")
		a3, name, _ := strings.Cut(rest, " ")
		countryByCode[a2] = name
		countryByCode[a3] = name
		countryByName[strings.ToLower(name)] = name
	}
	countryByCode["UK"] = "United Kingdom"
	for alias, name := range countryAliases {
		countryByName[alias] = name
	}
}

// usStates maps the two-letter codes of US states (and DC) to their names.
var usStates = map[string]string{
	"AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
	"CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
	"HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
	"LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
	"MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
	"NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
	"OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
	"SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
	"WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}

// caProvinces maps Canadian province and territory codes to their names.
var caProvinces = map[string]string{
	"AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick", "NL": "Newfoundland and Labrador",
	"NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island",
	"QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}

// regionByName maps the lower-case names of US states and Canadian
// provinces to their country. Georgia, Washington and New York are left
// out: as names they are as often a country or a city. Built once, read only.
var regionByName = func() map[string]string {
	m := map[string]string{}
	for _, name := range usStates {
		if l := strings.ToLower(name); l != "georgia" && l != "washington" && l != "new york" {
			m[l] = "United States"
		}
	}
	for _, name := range caProvinces {
		m[strings.ToLower(name)] = "Canada"
	}
	return m
}()

// regionCountry tells the country a region name or code implies, when it is
// unambiguous: US states and Canadian provinces by code and by name. Names
// are looked up lower-cased in one map, without allocating for short ASCII.
func regionCountry(region string) string {
	if _, ok := usStates[region]; ok {
		return "United States"
	}
	if _, ok := caProvinces[region]; ok {
		return "Canada"
	}
	return lookupLower(regionByName, region)
}

// countryName returns the country s names or codes, or "".
func countryName(s string) string {
	s = strings.TrimSpace(strings.Trim(s, "()[]"))
	if s == "" {
		return ""
	}
	if len(s) <= 3 && strings.ToUpper(s) == s {
		if n, ok := countryByCode[s]; ok {
			return n
		}
	}
	return lookupLower(countryByName, s)
}

// lookupLower returns m[strings.ToLower(s)]. A short ASCII s is lowered
// into a buffer on the stack, which the lookup does not copy: most place
// names cost no allocation.
func lookupLower[V any](m map[string]V, s string) V {
	var buf [40]byte
	if len(s) <= len(buf) && isASCII(s) {
		return m[string(lowerASCII(buf[:0], s))]
	}
	return m[strings.ToLower(s)]
}
