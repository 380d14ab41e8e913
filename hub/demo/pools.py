"""The word lists and message texts the demo data set draws from.

Every email domain is under the reserved `.example` top-level domain (RFC 2606).
"""

from __future__ import annotations

NL_FEMALE = (
    "Anna", "Emma", "Julia", "Sophie", "Lotte", "Sanne", "Lisa", "Eva", "Fleur", "Iris", "Noor",
    "Femke", "Marloes", "Anouk", "Laura", "Esther", "Ingrid", "Petra", "Monique", "Marieke",
    "Wilma", "Annelies", "Ilse", "Kim", "Tessa", "Lieke", "Maud", "Roos", "Sara", "Joke", "Tineke",
    "Hanneke", "Els", "Mirjam", "Yvonne", "Nienke",
)
NL_MALE = (
    "Jan", "Pieter", "Daan", "Bram", "Sem", "Lucas", "Thijs", "Ruben", "Jeroen", "Bas", "Niels",
    "Stefan", "Mark", "Erik", "Kees", "Henk", "Willem", "Gerrit", "Johan", "Martijn", "Joost",
    "Sander", "Wouter", "Maarten", "Tim", "Koen", "Jesse", "Thomas", "Hugo", "Luuk", "Dirk",
    "Frank", "Rob", "Arjen", "Teun",
)
NL_SURNAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer",
    "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen",
    "van den Broek", "de Bruijn", "de Bruin", "van der Heijden", "Schouten", "van Beek", "Willems",
    "van Vliet", "van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "van der Wal",
    "Prins", "Blom", "Huisman", "Peeters", "de Lange", "Kuijpers", "Postma", "Zwart", "Wijnberg",
    "Veenstra", "Kramer",
)
# (female first names, male first names, surnames, language) for residents with other roots.
INTERNATIONAL = (
    ("Emily Olivia Charlotte Grace Hannah", "James Oliver Harry Jack George",
     "Smith Jones Taylor Brown Wilson Evans Walker", "en"),
    ("Lena Mia Hannah Katrin Sabine", "Lukas Felix Jonas Matthias Stefan",
     "Müller Schmidt Schneider Fischer Weber Becker", "de"),
    ("Elif Zeynep Ayşe Fatma", "Mehmet Emre Burak Mustafa", "Y\u0131lmaz Kaya Demir Şahin Çelik",
     "nl"),
    ("Fatima Salma Yasmina Nora", "Mohamed Youssef Ayoub Bilal", "El Amrani Bakkali Benali Ziani",
     "nl"),
    ("Priya Ananya Sneha", "Arjun Rahul Vikram", "Sharma Patel Iyer Reddy", "en"),
    ("Agnieszka Katarzyna Magda", "Piotr Tomasz Kamil", "Nowak Kowalski Wiśniewski", "en"),
    ("Sharon Chantal Naomi", "Rodney Marvin Clyde", "Sital Ramdin Pinas Kartosen", "nl"),
)
# city, first two digits of its postcodes, area code for landlines
CITIES = (
    ("Amsterdam", "10", "20"), ("Rotterdam", "30", "10"), ("Den Haag", "25", "70"),
    ("Utrecht", "35", "30"), ("Eindhoven", "56", "40"), ("Groningen", "97", "50"),
    ("Tilburg", "50", "13"), ("Almere", "13", "36"), ("Breda", "48", "76"),
    ("Nijmegen", "65", "24"), ("Haarlem", "20", "23"), ("Arnhem", "68", "26"),
    ("Zwolle", "80", "38"), ("Leiden", "23", "71"), ("Maastricht", "62", "43"),
    ("Delft", "26", "15"), ("Amersfoort", "38", "33"), ("Apeldoorn", "73", "55"),
    ("Enschede", "75", "53"), ("'s-Hertogenbosch", "52", "73"),
)
CITY_WEIGHTS = (14, 10, 9, 8, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3)
STREETS = (
    "Kerkstraat", "Dorpsstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Julianastraat",
    "Beatrixlaan", "Wilhelminastraat", "Eikenlaan", "Lindelaan", "Parkweg", "Nieuwstraat",
    "Hoofdstraat", "Marktplein", "Kastanjelaan", "Berkenlaan", "Rembrandtlaan", "Vondelstraat",
    "Spoorstraat", "Havenstraat", "Zuiderweg", "Noordsingel", "Prinses Irenestraat",
    "Van Goghstraat", "Oranjestraat", "Tulpstraat", "Beukenlaan", "Burgemeester de Withstraat",
    "Kanaalweg", "Sportlaan", "Meidoornstraat", "Populierenlaan", "Dijkweg",
)
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
MAIL_PROVIDERS = (
    ("gmail.example", 30), ("ziggo.example", 14), ("kpnmail.example", 12),
    ("hotmail.example", 12), ("outlook.example", 10), ("xs4all.example", 5),
    ("live.example", 5), ("icloud.example", 5), ("planet.example", 4), ("web.example", 3),
)
ORG_WORDS = (
    "Noordzee", "Delta", "Polder", "Horizon", "Zuidwest", "Rijnmond", "Kempen", "Veluwe",
    "Waddenzee", "Amstel", "Maas", "Lage", "Linde", "Kroon", "Zilver", "Anker", "Molen", "Brug",
    "Toren", "Haven",
)
ORG_KINDS = (
    ("Logistiek", "logistics"), ("Installatietechniek", "construction"),
    ("Software", "software"), ("Zorggroep", "healthcare"), ("Bouw", "construction"),
    ("Accountants", "finance"), ("Bakkerij", "retail"), ("Horeca Groep", "hospitality"),
    ("Onderwijsgroep", "education"), ("Advocaten", "legal"), ("Makelaardij", "real_estate"),
    ("Metaal", "manufacturing"), ("Energie", "energy"), ("Mode", "retail"),
)
ORG_SUFFIXES = ("B.V.", "B.V.", "B.V.", "N.V.", "& Zonen", "Groep", "")
ORG_SIZES = ("1-9", "10-49", "50-249", "250+")
FUNCTIONS = (
    "Directeur", "Eigenaar", "Inkoper", "Office manager", "Facility manager", "HR-adviseur",
    "Financial controller", "IT-manager", "Projectleider", "Procurement lead", "Receptionist",
)
AGENTS = ("Sanne", "Mohamed", "Lotte", "Daan", "Fleur", "Bram", "Yara", "Kevin")
INCOME_BANDS = ("<20k", "20-35k", "35-50k", "50-75k", "75-100k", ">100k")
EDUCATION = ("primary", "vmbo", "mbo", "havo_vwo", "hbo", "wo")
TAGS = ("newsletter", "webshop", "store", "loyalty", "event-2025", "student-discount", "family",
        "complaint", "callback")

# Email threads: (subject, customer's question, our reply), per language.
EMAIL_TOPICS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "nl": (
        ("Vraag over mijn factuur",
         "Goedemiddag,\n\nOp mijn laatste factuur staat een bedrag dat ik niet herken. "
         "Kunt u uitleggen waar dat voor is?\n\nMet vriendelijke groet,\n{name}",
         "Beste {first},\n\nDank voor uw bericht. Het bedrag betreft de jaarlijkse "
         "servicekosten. Een specificatie vindt u in uw account.\n\nHartelijke groet,\n{agent}"),
        ("Adreswijziging",
         "Hallo,\n\nWij zijn verhuisd. Kunt u ons nieuwe adres verwerken?\n\nGroet,\n{name}",
         "Beste {first},\n\nUw nieuwe adres is verwerkt. Veel woonplezier!\n\nGroet,\n{agent}"),
        ("Bestelling nog niet ontvangen",
         "Beste klantenservice,\n\nIk heb vorige week besteld maar nog niets ontvangen. "
         "Wanneer kan ik het pakket verwachten?\n\n{name}",
         "Beste {first},\n\nExcuses voor het wachten. Uw pakket is vandaag verzonden; u "
         "ontvangt morgen een track-and-trace-code.\n\nMet vriendelijke groet,\n{agent}"),
        ("Retour aanvragen",
         "Goedendag,\n\nHet artikel past helaas niet. Hoe kan ik het retourneren?\n\n{name}",
         "Beste {first},\n\nU kunt het artikel binnen 30 dagen gratis retourneren met het "
         "bijgevoegde label.\n\nGroet,\n{agent}"),
        ("Afspraak verzetten",
         "Hallo,\n\nIk kan donderdag helaas niet. Kan de afspraak naar volgende week?\n\n"
         "Groetjes,\n{name}",
         "Beste {first},\n\nGeen probleem, de afspraak staat nu op dinsdag om 10:30.\n\n"
         "Groet,\n{agent}"),
        ("Klacht over levering",
         "Geachte heer/mevrouw,\n\nDe bezorger heeft het pakket bij de buren "
         "achtergelaten zonder bericht. Dat vind ik niet in orde.\n\n{name}",
         "Beste {first},\n\nDat had niet mogen gebeuren. We hebben het doorgegeven aan de "
         "vervoerder en u krijgt de verzendkosten terug.\n\nMet vriendelijke groet,\n{agent}"),
        ("Openingstijden tijdens de feestdagen",
         "Hoi,\n\nZijn jullie tweede kerstdag open?\n\n{name}",
         "Hoi {first},\n\nTweede kerstdag zijn we open van 12:00 tot 17:00.\n\nGroet,\n{agent}"),
    ),
    "en": (
        ("Question about my invoice",
         "Hello,\n\nMy last invoice shows a charge I do not recognise. Could you explain "
         "it?\n\nKind regards,\n{name}",
         "Dear {first},\n\nThanks for getting in touch. The charge is the annual service fee; "
         "you can find a breakdown in your account.\n\nBest regards,\n{agent}"),
        ("Order not received",
         "Hi,\n\nI ordered last week and nothing has arrived yet. Any news?\n\n{name}",
         "Hi {first},\n\nSorry for the wait. Your parcel was shipped today.\n\nBest,\n{agent}"),
        ("Change of address",
         "Hello,\n\nWe have moved house. Please update our address.\n\nThanks,\n{name}",
         "Dear {first},\n\nYour new address is on file.\n\nKind regards,\n{agent}"),
    ),
    "de": (
        ("Frage zu meiner Rechnung",
         "Guten Tag,\n\nauf meiner letzten Rechnung steht ein Betrag, den ich nicht kenne. "
         "Können Sie das erklären?\n\nMit freundlichen Grüßen\n{name}",
         "Sehr geehrte/r {name},\n\nes handelt sich um die jährliche Servicegebühr.\n\n"
         "Freundliche Grüße\n{agent}"),
        ("Lieferung nicht erhalten",
         "Hallo,\n\nmeine Bestellung ist noch nicht angekommen.\n\n{name}",
         "Hallo {first},\n\nIhr Paket wurde heute versandt.\n\nViele Grüße\n{agent}"),
    ),
}
OUTBOUND_EMAILS: dict[str, tuple[tuple[str, str], ...]] = {
    "nl": (
        ("Uw bestelling is verzonden", "Beste {first},\n\nGoed nieuws: uw bestelling is "
         "onderweg. U ontvangt haar binnen twee werkdagen."),
        ("Nieuwsbrief: de nieuwe collectie", "Beste {first},\n\nOntdek deze maand onze "
         "nieuwe collectie, met 10% korting voor vaste klanten."),
        ("Herinnering: uw afspraak", "Beste {first},\n\nWe zien u graag morgen om 14:00."),
        ("Bedankt voor uw aankoop", "Beste {first},\n\nBedankt voor uw aankoop! Wij horen "
         "graag hoe het bevalt."),
    ),
    "en": (
        ("Your order has shipped", "Dear {first},\n\nGood news: your order is on its way."),
        ("Newsletter: the new collection", "Dear {first},\n\nDiscover our new collection."),
        ("Reminder: your appointment", "Dear {first},\n\nSee you tomorrow at 2 pm."),
    ),
    "de": (
        ("Ihre Bestellung ist unterwegs", "Hallo {first},\n\nIhre Bestellung wurde versandt."),
        ("Erinnerung: Ihr Termin", "Hallo {first},\n\nwir sehen uns morgen um 14 Uhr."),
    ),
}
SMS_OUT: dict[str, tuple[str, ...]] = {
    "nl": ("Herinnering: uw afspraak is morgen om {time}. Antwoord NEE om te annuleren.",
           "Uw pakket wordt vandaag tussen 14:00 en 16:00 bezorgd.",
           "Uw bestelling ligt klaar in de winkel."),
    "en": ("Reminder: your appointment is tomorrow at {time}. Reply NO to cancel.",
           "Your parcel will be delivered today between 2 and 4 pm."),
    "de": ("Erinnerung: Ihr Termin ist morgen um {time}. Antworten Sie NEIN zum Absagen.",),
}
SMS_IN: dict[str, tuple[str, ...]] = {
    "nl": ("Ok, tot morgen!", "Kan het ook vrijdag?", "NEE", "Bedankt!", "Top, dank je"),
    "en": ("OK, see you then", "Can we do Friday instead?", "Thanks!"),
    "de": ("OK, bis morgen", "Danke!"),
}
WHATSAPP_IN: dict[str, tuple[str, ...]] = {
    "nl": ("Hoi! Kan ik hier ook mijn afspraak verzetten?", "Is mijn pakket al onderweg?",
           "Hebben jullie dit ook in het blauw?"),
    "en": ("Hi! Can I move my appointment here too?", "Is my parcel on its way?"),
    "de": ("Hallo! Kann ich hier auch meinen Termin verschieben?",),
}
WHATSAPP_OUT: dict[str, str] = {
    "nl": "Dank voor uw bericht! We kijken het na en komen vandaag bij u terug.",
    "en": "Thanks for your message! We will look into it and get back to you today.",
    "de": "Danke für Ihre Nachricht! Wir melden uns heute noch bei Ihnen.",
}
CALL_REASONS = (
    "Vraag over factuur, uitgelegd.", "Wil offerte voor uitbreiding.", "Storing gemeld, "
    "monteur ingepland.", "Klacht over bezorging, compensatie toegezegd.", "Adreswijziging "
    "doorgegeven.", "Vraag over garantie.", "Opzegging besproken, klant blijft.",
)
CALL_OUTCOMES = (("resolved", 60), ("callback", 15), ("transferred", 10), ("voicemail", 8),
                 ("no_answer", 7))
NOTES = (
    "Klant wil teruggebeld worden over de offerte.", "Voorkeur voor contact per sms.",
    "Klant was erg tevreden over de snelle oplossing.", "Let op: vorige levering beschadigd.",
    "Heeft interesse in het loyaliteitsprogramma.", "Betaalregeling afgesproken.",
)
B2B_TOPICS = (
    ("Offerteaanvraag", "Goedemiddag,\n\nGraag ontvangen wij een offerte voor 25 licenties."
     "\n\nMet vriendelijke groet,\n{name}\n{function}, {org}"),
    ("Inkooporder {n}", "Hierbij onze inkooporder {n}. Graag een orderbevestiging.\n\n"
     "{name}\n{org}"),
    ("Contractverlenging", "Ons contract loopt binnenkort af. Kunnen we een afspraak maken?"
     "\n\n{name}\n{function}, {org}"),
)
FORMS = (
    ("demo-contact", ("Ik heb een vraag over mijn abonnement.", "Graag teruggebeld worden.",
                      "Wanneer is de winkel open op zondag?")),
    ("demo-brochure", ("Stuur mij de brochure.", "Graag informatie over zakelijke tarieven.")),
)
SURVEY_COMMENTS = {
    "high": ("Snel en vriendelijk geholpen!", "Great service, thank you", "Prima geregeld.",
             "Top!", ""),
    "mid": ("Het duurde wat lang.", "OK", "Redelijk, maar de wachttijd was lang.", ""),
    "low": ("Drie keer gebeld voordat het opgelost was.", "Pakket kwam beschadigd aan.",
            "Not helpful at all.", "Te lang gewacht aan de telefoon."),
}
