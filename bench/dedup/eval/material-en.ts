// Hand-written English material for the evaluation set (see ../README.md). Every sentence was
// written for this file. `{e}` is an entity of the domain, `{a}` an aspect of it.

export interface Domain {
  name: string
  entities: string[]
  aspects: string[]
  /** What users write. */
  user: string[]
  /** Sentences of a reply that answers in its own words. */
  reply: string[]
}

export const openersEn = [
  'Good question.',
  'Sure!',
  'Happy to help.',
  'Here is what I know.',
  'Thanks for asking.',
  'Let me explain.',
  'Honestly,',
  'Short answer: it depends.',
  'I see.',
  'Right, so',
  ''
]

export const reuseFramesEn = [
  'About {c}: ',
  'When it comes to {c}, ',
  'You mentioned {c}. ',
  'Regarding {c}, ',
  'On {c}: ',
  'As for {c}, '
]

export const leadInsEn = [
  'I also think',
  'You said',
  'So you are saying',
  'I understand that',
  'Yes,',
  'Okay,',
  'Agreed,',
  'To recap,',
  'Indeed',
  'Like you said,'
]

export const fillersEn = ['really', 'also', 'very', 'quite', 'just', 'actually', 'still', 'even']

export const domainsEn: Domain[] = [
  {
    name: 'phones',
    entities: [
      'the Pixel 8',
      'the Galaxy S24',
      'the iPhone 15',
      'the OnePlus 12',
      'the Moto Edge',
      'the Xperia 5'
    ],
    aspects: ['camera', 'battery', 'screen', 'charging speed', 'speaker', 'storage'],
    user: [
      'I think {e} has a really great {a} and I love using it every day',
      'Is the {a} on {e} good enough for someone who travels a lot?',
      'My friend says {e} is overpriced for what it offers, is that true?',
      'I dropped {e} yesterday and now the screen flickers when I open apps',
      'Should I upgrade from my four year old phone to {e} this autumn?',
      'The {a} on {e} seems noticeably worse since the last software update',
      'Can you compare the {a} of {e} with the model that came out last year?',
      'What case would you recommend to protect {e} when I go hiking?'
    ],
    reply: [
      'Most reviewers rate it among the stronger options in its price range.',
      'Low-light shots come out cleaner than on many competitors.',
      'A full charge usually gets a moderate user through a whole day.',
      'If the flicker persists after a restart, a repair shop should inspect the display cable.',
      'Updates sometimes change power management, so a recalibration may help.',
      'Prices tend to drop a few months after launch, so waiting can save money.',
      'A rugged case with raised edges and a screen protector covers most hiking accidents.',
      'Compared with last year, the gains are incremental rather than dramatic.',
      'Back up your photos before you try a factory reset.',
      'Carriers often bundle trade-in offers that lower the effective cost.'
    ]
  },
  {
    name: 'laptops',
    entities: [
      'my MacBook Air',
      'the ThinkPad X1',
      'the Dell XPS 13',
      'my gaming laptop',
      'the Surface Laptop',
      'the Framework laptop'
    ],
    aspects: ['keyboard', 'fan noise', 'battery', 'display', 'trackpad', 'ports'],
    user: [
      'The {a} on {e} is driving me crazy when I work late at night',
      'Is {e} powerful enough for video editing and some light gaming?',
      'I spilled coffee on {e} and now several keys stopped working',
      'Why does {e} get so hot when I join long video calls?',
      'How much memory should I order if I buy {e} for programming?',
      'I feel like the {a} of {e} is much better than on my old machine',
      'Would you pick {e} or a desktop computer for a small home office?'
    ],
    reply: [
      'Video calls keep the processor and camera busy, which raises the temperature.',
      'Sixteen gigabytes is a comfortable amount for compilers, browsers and containers together.',
      'Liquid damage spreads under the keys, so power it off and let a technician open it.',
      'A desktop gives more performance per dollar but you lose portability.',
      'Lowering the screen brightness and closing background apps extends the runtime.',
      'Editing short clips is fine, long 4K timelines will feel sluggish.',
      'A cooling pad or a firmware update can bring the noise down noticeably.',
      'External monitors and a dock make a small machine feel like a workstation.',
      'Check whether the warranty covers accidental damage before paying for repairs.'
    ]
  },
  {
    name: 'travel',
    entities: ['Kyoto', 'Lisbon', 'Iceland', 'New Zealand', 'Morocco', 'the Swiss Alps'],
    aspects: ['weather', 'food', 'public transport', 'hotels', 'hiking trails', 'museums'],
    user: [
      'I am planning a two week trip to {e} next spring with my parents',
      'Is {e} safe for a woman travelling alone for the first time?',
      'What is the best month to visit {e} if I want to avoid the crowds?',
      'We loved the {a} in {e} last year and want to go back soon',
      'How expensive are the {a} in {e} compared to the rest of Europe?',
      'My flight to {e} got cancelled and the airline is not answering',
      'Can I get around {e} without renting a car?'
    ],
    reply: [
      'Shoulder seasons bring milder prices and shorter queues at the main sights.',
      'Booking accommodation early matters more than the exact month you pick.',
      'Trains and regional buses connect most towns, though rural routes run less often.',
      'For a cancelled flight you are usually entitled to a refund or rebooking, so file a claim in writing.',
      'Solo travellers report feeling comfortable there, with the usual big-city precautions.',
      'Older travellers appreciate a slower pace with one main activity per day.',
      'Street markets are a cheap and tasty alternative to sit-down restaurants.',
      'A rail pass can pay off if you plan several long journeys.',
      'Travel insurance that covers cancellations is worth considering for family trips.'
    ]
  },
  {
    name: 'cooking',
    entities: ['sourdough bread', 'beef stew', 'tiramisu', 'fried rice', 'banana bread', 'chicken curry'],
    aspects: ['recipe', 'oven temperature', 'spices', 'texture', 'cooking time', 'ingredients'],
    user: [
      'My {e} always comes out dry no matter how carefully I follow the {a}',
      'Can I make {e} the night before a dinner party without ruining it?',
      'What can I use instead of eggs when I bake {e} for a vegan friend?',
      'I think the {a} I used for {e} last weekend was too strong',
      'How do I stop my {e} from sticking to the bottom of the pan?',
      'Is it possible to freeze {e} and reheat it later in the week?',
      'My grandmother made the best {e} and I want to recreate her version'
    ],
    reply: [
      'Resting it overnight in the fridge often improves the flavour.',
      'A flaxseed and water mixture replaces eggs well in most baked goods.',
      'Use a heavier pan and give the oil a minute to heat before adding anything.',
      'Freezing works if you cool it quickly and store it in airtight containers.',
      'Cutting the baking time by a few minutes keeps the crumb moist.',
      'Start with half the seasoning and adjust at the end of cooking.',
      'Ask relatives whether they remember any small habits she had in the kitchen.',
      'A kitchen scale gives far more consistent results than measuring cups.',
      'Reheat gently with a splash of water so it does not dry out.'
    ]
  },
  {
    name: 'orders',
    entities: [
      'my order',
      'the package',
      'the replacement',
      'my refund',
      'the parcel',
      'my subscription box'
    ],
    aspects: ['tracking number', 'delivery date', 'invoice', 'return label', 'shipping fee', 'discount code'],
    user: [
      'I ordered a blue jacket two weeks ago and {e} still has not arrived',
      'The {a} you sent me for {e} does not work on your website',
      'Why was I charged twice for {e} on my credit card statement?',
      'Can you change the delivery address for {e} to my office please?',
      'I want to cancel {e} because I found the same item cheaper elsewhere',
      'The box was damaged and {e} had a broken zipper when I opened it',
      'How long does it usually take for {e} to be processed after I return the item?'
    ],
    reply: [
      'I have checked the account and the shipment left our warehouse on Monday.',
      'Duplicate charges are usually pre-authorisations that disappear within five business days.',
      'Address changes are possible until the courier picks the parcel up.',
      'I can issue a prepaid return and send a new one at no extra cost.',
      'Refunds reach most banks within three to seven working days after inspection.',
      'Please share a photo of the damage so the claim can be approved quickly.',
      'Cancellation is free as long as the item has not been dispatched yet.',
      'A new code has been generated and emailed to the address on file.',
      'I am sorry about the trouble, let me fix this for you right away.'
    ]
  },
  {
    name: 'programming',
    entities: [
      'my React app',
      'the Python script',
      'our Node server',
      'the SQL query',
      'my Rust project',
      'the Docker image'
    ],
    aspects: ['memory usage', 'build time', 'error message', 'test suite', 'dependencies', 'startup time'],
    user: [
      'The {a} of {e} doubled after we upgraded the framework last week',
      'Why does {e} crash with a null pointer error only in production?',
      'How can I make {e} run faster without rewriting everything?',
      'I keep getting a permission denied error when I deploy {e}',
      'Should I split {e} into smaller modules or keep a single file?',
      'The {a} in {e} takes almost ten minutes on the build server',
      'Is it a bad idea to store passwords in environment variables for {e}?'
    ],
    reply: [
      'Profile first, because guesses about bottlenecks are usually wrong.',
      'Production often has different configuration, so compare the environment variables.',
      'Caching the dependency layer lets incremental builds skip most of the work.',
      'Environment variables are acceptable when a secrets manager injects them at runtime.',
      'Check which user the process runs as and who owns the target directory.',
      'Smaller modules pay off once several people edit the code at the same time.',
      'A memory profiler will show which objects survive garbage collection.',
      'Running the slowest tests in parallel usually cuts the wall time in half.',
      'Pin your versions so an upstream release cannot break the pipeline.'
    ]
  },
  {
    name: 'health',
    entities: ['my back', 'my knee', 'my sleep', 'my headaches', 'my allergies', 'my running routine'],
    aspects: ['pain', 'stiffness', 'schedule', 'diet', 'posture', 'stress'],
    user: [
      'I have had trouble with {e} for three weeks and stretching does not help',
      'Could my {a} be the reason why {e} got worse this month?',
      'What exercises are safe for {e} if I sit at a desk all day?',
      'My doctor said {e} should improve with rest but nothing has changed',
      'Is it normal that {e} feels worse in the morning than in the evening?',
      'I started swimming twice a week to help {e} and I already feel better'
    ],
    reply: [
      'Symptoms that last more than a few weeks deserve a follow-up appointment.',
      'Gentle movement breaks every hour can relieve tension from long sitting.',
      'Keeping a simple diary of symptoms helps a doctor spot patterns.',
      'Low-impact activities like cycling or walking are usually well tolerated.',
      'Morning stiffness is common and often eases after a warm shower.',
      'That is great progress, consistency matters more than intensity.',
      'A physiotherapist can tailor exercises to your situation.',
      'Stress and poor sleep often make pain feel stronger than it is.'
    ]
  },
  {
    name: 'finance',
    entities: [
      'my savings',
      'my pension',
      'the mortgage',
      'my credit card debt',
      'our family budget',
      'my student loan'
    ],
    aspects: ['interest rate', 'monthly payment', 'fees', 'tax', 'emergency fund', 'investments'],
    user: [
      'Should I pay off {e} first or start investing for retirement?',
      'The {a} on {e} went up again and I am worried about next year',
      'How much of {e} should I keep in cash for emergencies?',
      'I think the {a} my bank charges for {e} is far too high',
      'Is it smart to refinance {e} now or wait until rates fall?',
      'My partner and I argue about {e} every single month'
    ],
    reply: [
      'High-interest balances usually deserve priority over new investments.',
      'Three to six months of essential expenses is a common cash cushion.',
      'Refinancing makes sense when the savings exceed the closing costs.',
      'Comparing offers from two or three lenders often reveals cheaper options.',
      'A shared spreadsheet with agreed categories can take the heat out of money talks.',
      'Fixed rates give certainty, variable rates give flexibility.',
      'Automatic transfers on payday make saving feel effortless.',
      'A fee-only adviser can review the numbers without selling you products.'
    ]
  },
  {
    name: 'pets',
    entities: ['my cat', 'our puppy', 'my rabbit', 'the old dog', 'my parrot', 'our kitten'],
    aspects: ['food', 'sleeping', 'barking', 'scratching', 'vet visits', 'toys'],
    user: [
      '{e} stopped eating yesterday and just hides under the bed',
      'How can I stop {e} from scratching the new sofa all the time?',
      'Is it okay to leave {e} alone for a whole weekend with an automatic feeder?',
      'I think {e} is bored because it chews everything in the apartment',
      'What kind of {a} is best for {e} at this age?',
      '{e} keeps waking us up at four in the morning'
    ],
    reply: [
      'A sudden loss of appetite is worth a call to the vet today.',
      'Scratching posts placed next to the furniture usually redirect the habit.',
      'Animals need daily company, so ask a neighbour to check in at least once.',
      'Puzzle feeders and short play sessions burn off a lot of energy.',
      'Feeding a little later in the evening can shift the early wake-up.',
      'Age-appropriate food supports joints and digestion.',
      'Hiding can be a sign of stress after changes in the household.'
    ]
  },
  {
    name: 'learning',
    entities: ['Spanish', 'calculus', 'the piano', 'machine learning', 'chess', 'public speaking'],
    aspects: ['practice', 'grammar', 'exercises', 'motivation', 'textbook', 'exam'],
    user: [
      'I have been studying {e} for a year and I still feel like a beginner',
      'What is the fastest way to get better at {e} with only thirty minutes a day?',
      'My teacher says my {a} in {e} is weak but I do not know where to start',
      'Is it too late to start learning {e} at forty five?',
      'I failed the {a} in {e} and I feel completely discouraged',
      'Can you recommend a good way to stay consistent with {e}?'
    ],
    reply: [
      'Plateaus are normal, progress often shows up only when you look back months later.',
      'Short daily sessions beat long weekly ones for building skill.',
      'Adults learn well because they can plan and reflect on their mistakes.',
      'Pick one weakness and work on it for two weeks before moving on.',
      'One failed test says little about your ability, review what went wrong and try again.',
      'Tracking streaks in a calendar is a simple way to stay motivated.',
      'A study partner keeps you accountable on the days you feel lazy.'
    ]
  },
  {
    name: 'housing',
    entities: ['my landlord', 'the apartment', 'our kitchen', 'the heating', 'my roommate', 'the new house'],
    aspects: ['rent', 'mold', 'noise', 'deposit', 'repairs', 'lease'],
    user: [
      '{e} refuses to return the {a} even though we left everything clean',
      'There is black mold growing in the corner of {e} after the rainy season',
      'Is it reasonable to ask {e} to lower the {a} after two years?',
      'The {a} from {e} keeps me awake every night',
      'We want to renovate {e} but we have no idea about the costs',
      'How do I split the bills fairly with {e} when our incomes differ?'
    ],
    reply: [
      'Photos from move-out day are the strongest evidence in a deposit dispute.',
      'Mold should be reported in writing, landlords usually must fix the cause.',
      'Long-term tenants are valuable, so a polite request has a fair chance.',
      'White noise machines and heavy curtains dampen a surprising amount of sound.',
      'Getting three written quotes protects you from surprise costs.',
      'Splitting by income share feels fairer to many couples and roommates.',
      'A local tenants association can explain your rights for free.'
    ]
  },
  {
    name: 'movies',
    entities: [
      'the new Dune film',
      'that Korean thriller',
      'the Marvel series',
      'the documentary about bees',
      'the latest Pixar movie',
      'the detective show'
    ],
    aspects: ['ending', 'soundtrack', 'acting', 'plot', 'special effects', 'pacing'],
    user: [
      'I thought the {a} of {e} was confusing and a bit rushed',
      'Is {e} suitable for watching with my ten year old daughter?',
      'Everyone loves {e} but I found it boring after the first hour',
      'Can you recommend something similar to {e} for this weekend?',
      'The {a} in {e} gave me goosebumps from start to finish',
      'Do I need to see the earlier parts before watching {e}?'
    ],
    reply: [
      'Many viewers felt the same, the final act packs a lot into a few minutes.',
      'There are a few intense scenes, so checking a parents guide is wise.',
      'Taste differs, a slow build does not work for everyone.',
      'If you liked the atmosphere, try an older classic from the same director.',
      'The composer is known for big, layered themes.',
      'It stands on its own, though the earlier entries add context.',
      'Critics praised the lead performance more than the script.'
    ]
  }
]
