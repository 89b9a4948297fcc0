/**
 * Word pools the generator draws realistic B2B CRM values from: names, companies, titles,
 * countries, and the dirty variants real CRMs hold (country spellings, picklist typos, reps'
 * free-text stage labels).
 */

/** First names. */
export const FIRST_NAMES = [
  'Anna', 'Ben', 'Carla', 'David', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kenji', 'Lena', 'Marco', 'Nadia',
  'Oscar', 'Priya', 'Quentin', 'Rosa', 'Samir', 'Tara', 'Umar', 'Vera', 'William', 'Xenia', 'Yusuf', 'Zoe', 'Aiko', 'Bruno',
  'Chloe', 'Dmitri', 'Emma', 'Felix', 'Greta', 'Hannah', 'Ivan', 'Julia', 'Karim', 'Laura', 'Mateo', 'Noah', 'Olivia',
  'Pablo', 'Rahul', 'Sofia', 'Tomas', 'Ursula', 'Victor', 'Wen', 'Yara', 'Lucas', 'Mia', 'Ethan', 'Amara', 'Leon', 'Maya',
] as const;

/** Last names. */
export const LAST_NAMES = [
  'Smith', 'Müller', 'Garcia', 'Rossi', 'Dubois', 'Nakamura', 'Kowalski', 'Johansson', 'Patel', 'Okafor', 'Silva', 'Kim',
  'Novak', 'Jensen', 'Brown', 'Schmidt', 'Martin', 'Lopez', 'Chen', 'Ivanova', 'Haddad', 'OBrien', 'Fischer', 'Moreau',
  'Costa', 'Tanaka', 'Nielsen', 'Walker', 'Weber', 'Bernard', 'Romano', 'Sato', 'Larsen', 'Wright', 'Wagner', 'Petit',
  'Ricci', 'Suzuki', 'Berg', 'Hughes', 'Becker', 'Lambert', 'Greco', 'Yamamoto', 'Lind', 'Evans', 'Hoffmann', 'Roux',
] as const;

/** First halves of company names. */
export const COMPANY_STEMS = [
  'Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent', 'Hooli',
  'Vandelay', 'Pied Piper', 'Aperture', 'Black Mesa', 'Oscorp', 'Massive', 'Blue Sun', 'Gringotts', 'Monarch', 'Virtucon',
  'Axiom', 'Bluebird', 'Cobalt', 'Driftwood', 'Evergreen', 'Fjord', 'Granite', 'Harbor', 'Ironclad', 'Juniper', 'Keystone',
  'Lumen', 'Meridian', 'Nimbus', 'Orbit', 'Pinnacle', 'Quartz', 'Redwood', 'Summit', 'Tidal', 'Unity', 'Vertex', 'Willow',
  'Xylo', 'Yonder', 'Zephyr', 'Atlas', 'Beacon', 'Crescent', 'Delta', 'Echo', 'Falcon', 'Helix', 'Ion', 'Jade', 'Kite',
] as const;

/** Second halves of company names. */
export const COMPANY_SUFFIXES = [
  'Labs', 'Systems', 'Analytics', 'Health', 'Logistics', 'Energy', 'Retail', 'Media', 'Capital', 'Robotics', 'Software',
  'Foods', 'Motors', 'Cloud', 'Networks', 'Bio', 'Works', 'Group', 'Partners', 'Industries',
] as const;

/** Legal forms appended to some company names. */
export const LEGAL_FORMS = ['Inc.', 'GmbH', 'Ltd', 'SA', 'BV', 'AB', 'LLC', 'SAS', ''] as const;

/** Job titles. */
export const TITLES = [
  'CTO', 'VP Engineering', 'Head of Data', 'Data Engineer', 'ML Engineer', 'CFO', 'Head of Sales', 'Account Executive',
  'Marketing Manager', 'RevOps Lead', 'Product Manager', 'CEO', 'COO', 'Procurement Manager', 'IT Director',
  'Analytics Lead', 'Customer Success Manager', 'Solutions Architect',
] as const;

/** The account `industry` enum. */
export const INDUSTRIES = [
  'software', 'fintech', 'healthcare', 'retail', 'manufacturing', 'education', 'media', 'logistics', 'energy', 'other',
] as const;

/** Countries with weight, calling code, a city and its postal code pattern. */
export const COUNTRIES = [
  { code: 'US', weight: 30, calling: '1', cities: ['San Francisco', 'New York', 'Austin', 'Chicago', 'Boston'], state: 'CA' },
  { code: 'GB', weight: 10, calling: '44', cities: ['London', 'Manchester', 'Edinburgh'], state: null },
  { code: 'DE', weight: 10, calling: '49', cities: ['Berlin', 'Munich', 'Hamburg'], state: null },
  { code: 'FR', weight: 7, calling: '33', cities: ['Paris', 'Lyon', 'Toulouse'], state: null },
  { code: 'NL', weight: 5, calling: '31', cities: ['Amsterdam', 'Rotterdam', 'Utrecht'], state: null },
  { code: 'CA', weight: 6, calling: '1', cities: ['Toronto', 'Vancouver', 'Montreal'], state: 'ON' },
  { code: 'AU', weight: 5, calling: '61', cities: ['Sydney', 'Melbourne'], state: 'NSW' },
  { code: 'ES', weight: 4, calling: '34', cities: ['Madrid', 'Barcelona'], state: null },
  { code: 'IT', weight: 4, calling: '39', cities: ['Milan', 'Rome'], state: null },
  { code: 'SE', weight: 3, calling: '46', cities: ['Stockholm', 'Gothenburg'], state: null },
  { code: 'IN', weight: 6, calling: '91', cities: ['Bangalore', 'Mumbai', 'Pune'], state: null },
  { code: 'BR', weight: 4, calling: '55', cities: ['São Paulo', 'Rio de Janeiro'], state: null },
  { code: 'JP', weight: 4, calling: '81', cities: ['Tokyo', 'Osaka'], state: null },
  { code: 'CH', weight: 2, calling: '41', cities: ['Zurich', 'Geneva'], state: null },
] as const;

/** A country entry of {@link COUNTRIES}. */
export type CountryInfo = (typeof COUNTRIES)[number];

/** The many ways reps type a country instead of its ISO code (the `country_spelling` defect). */
export const COUNTRY_SPELLINGS: Record<string, readonly string[]> = {
  US: ['United States', 'USA', 'U.S.A.', 'United States of America', 'America'],
  GB: ['United Kingdom', 'UK', 'England', 'Great Britain'],
  DE: ['Deutschland', 'Germany', 'GER'],
  FR: ['France', 'Frankreich'],
  NL: ['Netherlands', 'Holland', 'The Netherlands'],
  CA: ['Canada'],
  AU: ['Australia', 'AUS'],
  ES: ['España', 'Spain'],
  IT: ['Italia', 'Italy'],
  SE: ['Sweden', 'Sverige'],
  IN: ['India', 'Bharat'],
  BR: ['Brasil', 'Brazil'],
  JP: ['Japan', 'Nippon'],
  CH: ['Switzerland', 'Schweiz', 'Suisse'],
};

/** HubSpot's lifecycle stages, in progression order. */
export const LIFECYCLE_STAGES = [
  'subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other',
] as const;

/** Lead statuses (index = stored state code). */
export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'disqualified', 'converted'] as const;

/** Lead sources. */
export const LEAD_SOURCES = ['web', 'referral', 'event', 'outbound', 'partner', 'ads'] as const;

/** Opportunity stages, in progression order, with their default probability. */
export const OPPORTUNITY_STAGES = [
  { stage: 'prospecting', probability: 10 },
  { stage: 'qualification', probability: 20 },
  { stage: 'proposal', probability: 50 },
  { stage: 'negotiation', probability: 75 },
  { stage: 'closed_won', probability: 100 },
  { stage: 'closed_lost', probability: 0 },
] as const;

/** Opportunity currencies (ISO 4217). */
export const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'EUR', 'GBP'] as const;

/** Consent purposes. */
export const CONSENT_PURPOSES = ['analytics', 'model_training', 'marketing'] as const;

/** Misspelt picklist values per field (the `picklist_typo` defect). */
export const PICKLIST_TYPOS = {
  lifecycle_stage: ['marketingqualifedlead', 'salesqualifiedleed', 'Opportunity ', 'custmer', 'subscirber'],
  status: ['qualifed', 'contacetd', 'Qualified', 'convertd', 'disqualifed'],
  industry: ['sofware', 'Fin-tech', 'helthcare', 'manufactoring', 'Retail '],
  stage: ['negotation', 'Prospecting', 'proposel', 'closed-won', 'qualificaton'],
  type: ['emial_sent', 'email-opened', 'Meeting', 'phone_call', 'pageview'],
} as const;

/** What reps type into the stage field instead of a stage (the `free_text_stage` defect). */
export const FREE_TEXT_STAGES = [
  'Verbal yes - sending contract',
  'waiting on legal',
  'Champion left, re-engaging',
  'call next week!!',
  'Pricing sent, no answer',
  'CLOSED?? check with Tom',
] as const;

/** Employee-count buckets that replace the integer after the mid-stream type change. */
export const EMPLOYEE_BUCKETS = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001+'] as const;

/** The bucket an employee count falls in. */
export function employeeBucket(count: number): string {
  const bounds = [10, 50, 200, 500, 1000, 5000];
  const i = bounds.findIndex((b) => count <= b);
  return EMPLOYEE_BUCKETS[i === -1 ? 6 : i] as string;
}

/** Email subjects for email and meeting activities. */
export const SUBJECTS = [
  'Quick question about your data stack', 'Following up on our call', 'Your trial is ending soon', 'Pricing proposal',
  'Invitation: product demo', 'Case study: how Acme cut churn by 20%', 'Q3 roadmap review', 'Security questionnaire',
  'Renewal discussion', 'Intro: our ML platform',
] as const;

/** Top-level domains for company domains. */
export const TLDS = ['com', 'com', 'com', 'io', 'co', 'de', 'net', 'ai', 'co.uk', 'fr'] as const;

/** Next steps reps type on open opportunities. */
export const NEXT_STEPS = ['Send contract', 'Schedule demo', 'Security review', 'Pricing call', 'Intro to CFO'] as const;
