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

fn set(words: &'static str) -> HashSet<&'static str> {
    words.split_whitespace().collect()
}

/// Common first names.
pub fn first_names() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| set(FIRST_NAMES))
}

/// Common surnames.
pub fn last_names() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| set(LAST_NAMES))
}

/// Large cities.
pub fn cities() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| set(CITIES))
}

/// Words that mark a street in the covered languages.
pub const STREET_WORDS: &[&str] = &[
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
