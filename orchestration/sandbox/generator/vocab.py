"""Word lists the generator draws from; free text here never contains people's names."""

# (display name, ascii slug for emails and links): Latin, multi-token, and non-Latin scripts.
FIRST_NAMES = [
    ("Anna", "anna"),
    ("Ben", "ben"),
    ("Chloé", "chloe"),
    ("David", "david"),
    ("Elif", "elif"),
    ("Fatima", "fatima"),
    ("Gabriel", "gabriel"),
    ("Hana", "hana"),
    ("Ines", "ines"),
    ("Jonas", "jonas"),
    ("Kwame", "kwame"),
    ("Lena", "lena"),
    ("Mateo", "mateo"),
    ("Nadia", "nadia"),
    ("Oliver", "oliver"),
    ("Priya", "priya"),
    ("Quentin", "quentin"),
    ("Rosa", "rosa"),
    ("Sven", "sven"),
    ("Tomás", "tomas"),
    ("Uma", "uma"),
    ("Valentina", "valentina"),
    ("Wei", "wei"),
    ("Yusuf", "yusuf"),
    ("Zoë", "zoe"),
    ("María José", "mariajose"),
    ("Jean-Luc", "jeanluc"),
    ("Siobhán", "siobhan"),
    ("Aylin", "aylin"),
    ("Björn", "bjorn"),
    ("Chiara", "chiara"),
    ("Dmitri", "dmitri"),
    ("Emeka", "emeka"),
    ("Freya", "freya"),
]
LAST_NAMES = [
    ("Schmidt", "schmidt"),
    ("García López", "garcialopez"),
    ("O'Brien", "obrien"),
    ("Nguyen", "nguyen"),
    ("Müller", "muller"),
    ("Okafor", "okafor"),
    ("Rossi", "rossi"),
    ("Kowalski", "kowalski"),
    ("van der Berg", "vandenberg"),
    ("Yılmaz", "yilmaz"),
    ("Smith", "smith"),
    ("Tanaka", "tanaka"),
    ("Haddad", "haddad"),
    ("Johansson", "johansson"),
    ("Dubois", "dubois"),
    ("Silva", "silva"),
    ("Patel", "patel"),
    ("Kim", "kim"),
    ("Mensah", "mensah"),
    ("Novak", "novak"),
    ("Fischer", "fischer"),
    ("de la Cruz", "delacruz"),
    ("Andersen", "andersen"),
    ("Moreau", "moreau"),
    ("Costa", "costa"),
]
# Staff surnames never appear among candidates, so no user's name can be mistaken for a leaked candidate name.
STAFF_LAST_NAMES = [
    ("Avery", "avery"),
    ("Brooks", "brooks"),
    ("Carter", "carter"),
    ("Dalton", "dalton"),
    ("Ellis", "ellis"),
    ("Foster", "foster"),
    ("Grant", "grant"),
    ("Hayes", "hayes"),
    ("Ingram", "ingram"),
    ("Jensen", "jensen"),
    ("Lambert", "lambert"),
    ("Marsh", "marsh"),
    ("Nash", "nash"),
    ("Oakley", "oakley"),
    ("Porter", "porter"),
    ("Reeves", "reeves"),
    ("Sutton", "sutton"),
    ("Thorne", "thorne"),
]
NON_LATIN_NAMES = [
    ("王伟", "wang.wei"),
    ("李娜", "li.na"),
    ("佐藤 健", "sato.ken"),
    ("김민준", "kim.minjun"),
    ("Дмитрий Иванов", "dmitry.ivanov"),
    ("Ольга Петрова", "olga.petrova"),
    ("محمد علي", "mohamed.ali"),
    ("Ελένη Παπαδοπούλου", "eleni.papadopoulou"),
    ("אבי כהן", "avi.cohen"),
    ("अनन्या शर्मा", "ananya.sharma"),
]
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "proton.me", "yahoo.co.uk", "web.de", "icloud.com", "mail.ru"]
PHONE_TYPES = ["mobile", "home", "work", "skype", "other"]
LINK_FORMATS = [
    "https://www.linkedin.com/in/{slug}",
    "https://github.com/{slug}",
    "https://twitter.com/{slug}",
    "https://x.com/{slug}",
    "https://www.facebook.com/{slug}",
    "https://www.xing.com/profile/{slug}",
    "https://www.instagram.com/{slug}",
    "https://www.youtube.com/@{slug}",
    "https://{slug}.dev",
    "https://www.{slug}-portfolio.com",
]
CANDIDATE_LOCATIONS = [
    "Berlin, Germany",
    "Austin, TX",
    "",
    "",
    "London",
    "São Paulo, Brazil",
    "Remote",
    "Toronto, ON",
    "Paris, France",
    "Bangalore, India",
    "New York, NY",
    "Lagos, Nigeria",
    "Tokyo",
    "Madrid, Spain",
]
HEADLINES = [
    "Acme Corp, Globex",
    "Initech",
    "Stark Industries, Wayne Enterprises",
    "TU Berlin",
    "Freelance",
    "Umbrella Labs, Hooli",
    "",
    "Pied Piper",
    "Vandelay Industries, MIT",
]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Hooli", "Umbrella Labs", "Soylent", "Vandelay Industries"]
SCHOOLS = ["TU Berlin", "MIT", "University of Lagos", "Sorbonne", "IIT Delhi", "UT Austin", "ETH Zürich"]
DEGREES = ["BSc", "MSc", "BA", "PhD", "MBA"]
FIELDS_OF_STUDY = ["Computer Science", "Economics", "Design", "Mathematics", "Psychology"]

TEAMS = {
    "Engineering": ["Platform", "Data", "Mobile", "Infrastructure"],
    "Sales": ["Enterprise", "SMB"],
    "Marketing": ["Growth", "Brand"],
    "People": ["Recruiting"],
    "Product": ["Design", "Product Management"],
}
JOB_TITLES = {
    "Engineering": ["Software Engineer", "Senior Backend Engineer", "Data Engineer", "iOS Developer", "SRE"],
    "Sales": ["Account Executive", "Sales Development Representative", "Solutions Consultant"],
    "Marketing": ["Growth Marketer", "Content Strategist", "Brand Designer"],
    "People": ["Recruiter", "Recruiting Coordinator"],
    "Product": ["Product Designer", "Product Manager", "UX Researcher"],
}
# (location, country): US locations get EEO questions.
POSTING_LOCATIONS = [
    ("Berlin", "DE"),
    ("Austin, TX", "US"),
    ("New York, NY", "US"),
    ("London", "GB"),
    ("Remote", "US"),
    ("Toronto", "CA"),
    ("Paris", "FR"),
    ("San Francisco, CA", "US"),
]
COMMITMENTS = ["Full-time", "full_time", "Part Time", "Contract", "Intern", "Full Time", "Temporary"]
WORKPLACE_TYPES = ["on-site", "onsite", "remote", "hybrid", "unspecified"]
SALARY_INTERVALS = [
    "per-year-salary",
    "per-month-salary",
    "per-week-salary",
    "per-day-wage",
    "per-hour-wage",
    "one-time",
]
CURRENCIES = ["USD", "EUR", "GBP", "CAD"]
EXTRA_TAGS = ["Senior", "Python", "Boomerang", "Relocation", "Visa needed", "Silver medalist", "Diversity"]
SOURCES = ["LinkedIn", "Job site", "Referral", "Added manually", "Indeed", "Agency: TalentCo", "GitHub"]
ORIGINS = [("applied", 50), ("sourced", 25), ("referred", 10), ("agency", 5), ("internal", 5), ("university", 5)]

NOTE_SENTENCES = [
    "Strong background in distributed systems; recommend moving forward.",
    "Candidate asked about the remote policy and the on-call rotation.",
    "Salary expectations are within the band.",
    "Follow up next week about availability.",
    "Great portfolio, clear communication in the screen.",
    "Concerns about depth in system design; worth a second look.",
    "Prefers a start date after the summer.",
    "Referred by a former colleague; strong endorsement.",
    "Scheduling conflict, moved the call to Thursday.",
]
FEEDBACK_SENTENCES = [
    "Solid fundamentals and good questions about the team.",
    "Struggled with the take-home discussion but recovered.",
    "Very clear thinker; would enjoy working together.",
    "Not enough experience with the stack for this level.",
    "Good collaboration signals throughout the session.",
]
INTERVIEW_SUBJECTS = [
    "Recruiter screen",
    "Technical interview",
    "System design",
    "Hiring manager chat",
    "Culture add",
    "Portfolio review",
    "Final round",
]
TIMEZONES = ["Europe/Berlin", "America/Chicago", "America/New_York", "Europe/London", "Asia/Tokyo"]
USER_AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"]
