//! Small word lists that let values speak: common first names and surnames of the covered
//! locales, large cities, and street-type words. Folded (lower case, no accents).

use std::collections::HashSet;
use std::sync::OnceLock;

const FIRST_NAMES: &str = "
lukas anna jonas lea felix marie paul sophie maximilian hannah leon emma ben mia finn emilia noah lina elias ella
luis clara julian laura moritz lena jan sarah tim lisa niklas johanna david katharina alexander julia michael sabine
thomas andrea stefan petra andreas claudia christian monika markus susanne frank birgit jurgen ursula klaus renate
wolfgang helga peter karin uwe brigitte hans gabriele dieter martina
camille louis lea hugo chloe jules manon gabriel ines arthur nathan jade lucas louise adam alice raphael lina leo rose
mathis anna theo juliette tom zoe enzo ambre ethan lou maxime pierre jean nicolas isabelle philippe nathalie francois
sylvie michel catherine alain christine patrick valerie olivier sandrine eric veronique laurent celine
lucia martina mateo sofia valeria pablo daniel alejandro carmen antonio josefa manuel francisco dolores jose isabel
javier pilar carlos rosa miguel teresa rafael cristina pedro angel marta sergio raquel fernando elena diego alba
alvaro irene adrian sara mario paula jorge nuria
francesco alessandro giulia lorenzo aurora mattia leonardo ginevra andrea giuseppe giovanni maria marco roberto
luca paolo chiara stefano federica simone francesca davide valentina matteo alessia riccardo elisa gabriele silvia
antonella salvatore rita vincenzo anna giorgia tommaso beatrice
daan sem julia tess levi finn mila lotte bram sanne thijs fleur ruben eva lars noor jesse lieke stijn anouk gijs
femke jeroen marloes sander ingrid bas willem johannes cornelis hendrik
zuzanna antoni jakub maja aleksander lena franciszek hanna oliwia szymon filip natalia wojciech agnieszka krzysztof
malgorzata piotr barbara tomasz ewa pawel magdalena marcin joanna michal katarzyna grzegorz dorota jerzy
william elsa liam astrid oscar wilma ebba nils axel saga hugo alva erik karin lars ingrid johan sven kerstin
anders birgitta olof gunilla magnus annika per sofia
oliver olivia george amelia harry isla jack ava charlie emily james jessica thomas sophie jacob grace joshua lily
william mary robert patricia john jennifer michael linda richard elizabeth joseph barbara susan charles margaret
christopher karen matthew nancy anthony betty mark helen donald sandra steven donna paul carol andrew ruth kenneth
sharon joshua michelle kevin emily brian kimberly george deborah edward angela ronald melissa timothy stephanie
jason rebecca jeffrey laura ryan amy gary anna nicholas kathleen eric shirley jonathan angela stephen emma larry
justin scott frank brandon raymond gregory samuel benjamin patrick alexander dennis jerry tyler aaron henry
douglas peter adam nathan zachary walter kyle harold carl arthur gerald roger keith jeremy lawrence terry sean
christian albert joe ethan austin jesse willie billy bryan bruce jordan ralph roy noah dylan eugene wayne alan juan
louis russell gabriel randy philip harry vincent bobby johnny logan angus malcolm brian bon cliff phil steve
eddie jimmy ozzy ian roger freddie dave kurt chris axl slash duff izzy stewart robert jon jim ray bill neil mick
keith ron ringo syd nick rick tony david lars kirk james jason cliff frances luke joan dora
";

const LAST_NAMES: &str = "
muller schmidt schneider fischer weber meyer wagner becker hoffmann schafer koch bauer richter klein wolf schroder
neumann schwarz zimmermann braun kruger hofmann hartmann lange schmitt werner krause meier lehmann schmid schulz
martin bernard dubois thomas robert richard petit durand leroy moreau simon laurent lefebvre michel garcia david
bertrand roux vincent fournier morel girard andre mercier dupont lambert bonnet francois martinez
garcia fernandez gonzalez rodriguez lopez martinez sanchez perez gomez ruiz hernandez diaz moreno alvarez munoz
romero alonso gutierrez navarro torres dominguez vazquez ramos gil ramirez serrano blanco molina
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti deluca mancini costa
giordano rizzo lombardi moretti barbieri fontana santoro mariani rinaldi caruso ferrara galli martini leone
dejong jansen devries vandenberg vandijk bakker janssen visser smit meijer degroot mulder bos vos peters hendriks
vanleeuwen dekker brouwer dewit dijkstra smits
nowak kowalski wisniewski wojcik kowalczyk kaminski lewandowski zielinski szymanski wozniak dabrowski kozlowski
jankowski mazur kwiatkowski krawczyk piotrowski grabowski nowakowski pawlowski michalski
andersson johansson karlsson nilsson eriksson larsson olsson persson svensson gustafsson pettersson jonsson
jansson hansson bengtsson
smith jones taylor brown williams wilson johnson davies evans thomas roberts walker wright robinson thompson white
hughes edwards green hall wood harris lewis martin jackson clarke clark turner hill scott cooper morris ward moore
king watson baker harrison morgan patel young allen mitchell james anderson phillips lee bell parker davis miller
";

const CITIES: &str = "
berlin hamburg munchen munich koln cologne frankfurt stuttgart dusseldorf leipzig dortmund essen bremen dresden
hannover nurnberg bonn mannheim karlsruhe wiesbaden munster augsburg paris marseille lyon toulouse nice nantes
strasbourg montpellier bordeaux lille rennes reims madrid barcelona valencia sevilla zaragoza malaga murcia palma
bilbao alicante cordoba valladolid vigo gijon roma rome milano milan napoli naples torino turin palermo genova
bologna firenze florence bari catania venezia venice verona amsterdam rotterdam denhaag utrecht eindhoven groningen
tilburg almere breda nijmegen warszawa warsaw krakow lodz wroclaw poznan gdansk szczecin bydgoszcz lublin stockholm
goteborg gothenburg malmo uppsala vasteras orebro linkoping helsingborg lund london manchester birmingham leeds
glasgow liverpool bristol sheffield edinburgh cardiff belfast leicester coventry nottingham newcastle vienna wien
graz linz salzburg zurich geneva geneve basel bern lausanne brussels bruxelles antwerpen antwerp gent ghent
copenhagen kobenhavn aarhus oslo bergen helsinki espoo dublin cork lisbon lisboa porto prague praha brno budapest
bucharest athens sofia zagreb ljubljana tallinn riga vilnius luxembourg toronto montreal vancouver newyork chicago
boston seattle ottawa edmonton winnipeg calgary halifax
";

/// The name lexicon files, one per language: `first`, `last`, `city` and `street` lines.
pub const FILES: &[(&str, &str)] = &[
    ("bg", include_str!("names/bg.txt")),
    ("cs", include_str!("names/cs.txt")),
    ("da", include_str!("names/da.txt")),
    ("de", include_str!("names/de.txt")),
    ("el", include_str!("names/el.txt")),
    ("en", include_str!("names/en.txt")),
    ("es", include_str!("names/es.txt")),
    ("et", include_str!("names/et.txt")),
    ("fi", include_str!("names/fi.txt")),
    ("fr", include_str!("names/fr.txt")),
    ("ga", include_str!("names/ga.txt")),
    ("hr", include_str!("names/hr.txt")),
    ("hu", include_str!("names/hu.txt")),
    ("is", include_str!("names/is.txt")),
    ("it", include_str!("names/it.txt")),
    ("lt", include_str!("names/lt.txt")),
    ("lv", include_str!("names/lv.txt")),
    ("mt", include_str!("names/mt.txt")),
    ("nl", include_str!("names/nl.txt")),
    ("no", include_str!("names/no.txt")),
    ("pl", include_str!("names/pl.txt")),
    ("pt", include_str!("names/pt.txt")),
    ("ro", include_str!("names/ro.txt")),
    ("sk", include_str!("names/sk.txt")),
    ("sl", include_str!("names/sl.txt")),
    ("sv", include_str!("names/sv.txt")),
];

/// The folded words of one kind from the lists above and every file. Multi-word entries
/// (`Den Haag`) are joined (`denhaag`), as the classifier joins a value's tokens.
fn load(kind: &str, built_in: &str) -> HashSet<String> {
    let mut out: HashSet<String> = built_in.split_whitespace().map(str::to_string).collect();
    for (_, text) in FILES {
        for line in text.lines() {
            let line = line.trim();
            if let Some(word) = line.strip_prefix(kind).filter(|w| w.starts_with(char::is_whitespace)) {
                let folded: String = word.split_whitespace().map(super::words::fold).collect();
                if !folded.is_empty() {
                    out.insert(folded);
                }
            }
        }
    }
    out
}

/// Given names.
pub fn first_names() -> &'static HashSet<String> {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| load("first", FIRST_NAMES))
}

/// Family names.
pub fn last_names() -> &'static HashSet<String> {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| load("last", LAST_NAMES))
}

/// Cities and towns.
pub fn cities() -> &'static HashSet<String> {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| load("city", CITIES))
}

/// Words that mark a street, from the list below and the files.
pub fn street_words() -> &'static HashSet<String> {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| {
        let s = load("street", "");
        s.iter()
            .map(|w| w.trim_end_matches('.').to_string())
            .chain(STREET_WORDS.iter().map(|w| w.to_string()))
            .filter(|w| !w.is_empty())
            .collect()
    })
}

/// Words that mark a street, besides those of the files.
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "way",
    "court",
    "place",
    "square",
    "strasse",
    "str",
    "weg",
    "allee",
    "platz",
    "gasse",
    "ring",
    "damm",
    "rue",
    "avenue",
    "boulevard",
    "bd",
    "chemin",
    "impasse",
    "allee",
    "calle",
    "avenida",
    "paseo",
    "plaza",
    "camino",
    "carrer",
    "via",
    "viale",
    "corso",
    "piazza",
    "vicolo",
    "straat",
    "laan",
    "plein",
    "gracht",
    "kade",
    "singel",
    "dreef",
    "ul",
    "ulica",
    "aleja",
    "al",
    "plac",
    "osiedle",
    "gatan",
    "vagen",
    "gata",
    "torget",
    "grand",
    "stationsplein",
    "dorpsstraat",
    "kerkstraat",
];

/// Legal forms of companies in the covered countries, as written (case matters: `Sá` is a
/// surname, `SA` a company) and without dots: a value holding one names a company, even when
/// a person's name is in it (`Virtanen Oy`, `Müller GmbH`, `Nowak sp. z o.o.`).
pub const LEGAL_FORMS: &[&str] = &[
    "GmbH",
    "AG",
    "KG",
    "OHG",
    "UG",
    "eV",
    "eG",
    "SA",
    "SAS",
    "SARL",
    "SASU",
    "SNC",
    "SL",
    "SLU",
    "SRL",
    "Srl",
    "SpA",
    "BV",
    "NV",
    "VOF",
    "BVBA",
    "SPRL",
    "ASBL",
    "Ltd",
    "LTD",
    "Limited",
    "PLC",
    "plc",
    "LLP",
    "LLC",
    "Inc",
    "Corp",
    "AB",
    "HB",
    "KB",
    "AS",
    "ASA",
    "ApS",
    "A/S",
    "I/S",
    "Oy",
    "Oyj",
    "OY",
    "OYJ",
    "Ky",
    "OÜ",
    "UAB",
    "SIA",
    "Kft",
    "Zrt",
    "Nyrt",
    "Bt",
    "sro",
    "as",
    "spol",
    "doo",
    "dd",
    "OOD",
    "EOOD",
    "EAD",
    "AD",
    "AE",
    "EPE",
    "IKE",
    "OE",
    "Teo",
    "Teoranta",
    "Cpt",
    "hf",
    "ehf",
    "Lda",
    "SGPS",
    "Unipessoal",
    "oo",
    "Cuideachta",
];

/// The chance of `k` or more hits in `n` draws when each hits with probability `p` (the upper
/// tail of the binomial distribution), summed in log space so that large samples stay exact
/// enough.
pub fn binomial_tail(n: usize, k: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let ln_choose = |n: usize, i: usize| -> f64 { (1..=i).map(|j| ((n - i + j) as f64).ln() - (j as f64).ln()).sum() };
    (k..=n).map(|i| (ln_choose(n, i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp()).sum::<f64>().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_its_lexicon() {
        for (code, text) in FILES {
            let count = |kind: &str| {
                text.lines().filter(|l| l.trim().starts_with(kind) && l.trim()[kind.len()..].starts_with(char::is_whitespace)).count()
            };
            assert!(count("first") >= 100, "{code}: {} given names", count("first"));
            assert!(count("last") >= 100, "{code}: {} family names", count("last"));
            assert!(count("city") >= 20, "{code}: {} cities", count("city"));
            assert!(count("street") >= 3, "{code}: {} street words", count("street"));
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                let kind = line.split_whitespace().next().unwrap_or("");
                assert!(
                    line.is_empty() || line.starts_with('#') || ["first", "last", "city", "street"].contains(&kind),
                    "{code} line {}: {line}",
                    n + 1
                );
            }
        }
        for (name, set) in [("first", first_names()), ("last", last_names())] {
            assert!(set.len() > 3000, "{name}: {}", set.len());
        }
        for surname in ["virtanen", "papadopoulos", "novakova", "jonsdottir", "kovacs", "borg", "murphy", "kazlauskas", "berzins"] {
            assert!(last_names().contains(surname), "{surname}");
        }
        assert!(street_words().contains("utca") && street_words().contains("iela"));
    }

    #[test]
    fn binomial_tail_probabilities() {
        assert!((binomial_tail(1, 1, 0.2) - 0.2).abs() < 1e-12);
        assert!((binomial_tail(5, 5, 0.5) - 1.0 / 32.0).abs() < 1e-12);
        assert!((binomial_tail(10, 0, 0.3) - 1.0).abs() < 1e-12);
        assert!(binomial_tail(100, 40, 0.2) < 1e-4);
        assert!(binomial_tail(100, 25, 0.2) > 0.05);
    }
}
