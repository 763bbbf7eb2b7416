// Seeds a realistic network on Postgres for the page benchmarks: `npm run bench:seed`.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/entraide_bench npm run bench:seed [-- --reset]
//
// Members with French names, bios and skills; follows (each member follows 50–500 others, popular
// members many more followers than the rest; a fifth of the members also follow 1–3 hashtags); posts in French of varied length with #hashtags and
// @mentions (post_tags, post_mentions), mixed visibilities, shares and edits; comments with
// replies; likes on posts and comments; mention notifications; sessions; each member's home feed
// inbox (feed_items, see "feed" below). Every counter
// (profiles.post_count/follower_count/following_count, posts.like_count/comment_count/share_count,
// comments.like_count) is computed from the rows and checked at the end.
//
// A few "showcase" posts get exactly 50 comments (40 top-level, 10 replies) for the post-page
// benchmark; their ids, a few handles with full walls and the signed-in viewer to use are written
// to bench/results/seed-manifest.json.
//
// How it is fast: the bodies are rendered once by the app's own Markdown renderer into a pool
// (a few thousand distinct texts, reused), and every large table is filled by
// INSERT … SELECT generate_series on the server in chunks (progress after each chunk). During the
// load the secondary indexes are dropped (and rebuilt from their exact definitions afterwards)
// and, when the role may, foreign-key triggers are off (session_replication_role = replica); the
// references are then checked with anti-joins before the end. VACUUM ANALYZE at the end.
//
// Options (after `--`):
//   --reset              the database already has members: migrate it down to nothing and up again
//   --users=N            members                              (default 10000)
//   --posts=N            posts, shares and showcase included  (default 1000000)
//   --comments=N         comments, replies included           (default 500000)
//   --post-likes=N       likes on posts                       (default 600000)
//   --comment-likes=N    likes on comments                    (default 400000)
//   --showcase=N         posts with exactly 50 comments       (default 5)
//   --seed=N             random seed                          (default 42)
//   --feed-window=N      newest posts fanned out into feeds   (default 20000)
//   --feed-keep=N        items kept per feed (FEED_KEEP)      (default 500)
//
// The feed inboxes are filled the way the application fills them on write (own posts, posts on
// one's wall, posts of followed members for followers, posts with a followed hashtag), keeping
// the newest --feed-keep per member, but only from the newest --feed-window posts: fanning all
// the posts out would write hundreds of millions of rows to keep a few million. Members whose
// window holds fewer items get a shorter feed (the app would have older items there too).
//
// Only a Postgres on the loopback interface is accepted; the database is created when missing.
import pg from 'pg';
import { NO_MIGRATIONS } from 'kysely';
import { openPostgres } from '../server/db/connection.ts';
import { createMigrator, migrateToLatest } from '../server/db/migrator.ts';
import { hashPassword } from '../server/services/passwords.ts';
import { SEED_MANIFEST_PATH } from './lib.ts';
import {
  Progress,
  dropSecondaryIndexes,
  fmt,
  insertPool,
  int,
  makePool,
  parseOptions,
  relative,
  runChecks,
  secs,
  seedDatabaseUrl,
  seededRandom,
  startLoadSession,
  writeManifest,
  type Draft,
  type Mentionable,
} from './seed-lib.ts';

// ---------------------------------------------------------------------------------------------
// Options

const args = parseOptions(
  'Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/entraide_bench node bench/seed.ts [--reset] [--users=N] [--posts=N] [--comments=N] [--post-likes=N] [--comment-likes=N] [--showcase=N] [--seed=N] [--feed-window=N] [--feed-keep=N]',
  ['--reset', '--users', '--posts', '--comments', '--post-likes', '--comment-likes', '--showcase', '--seed', '--feed-window', '--feed-keep'],
);
const opts = {
  reset: args.flag('reset'),
  users: args.int('users', 10_000, 300, 1_000_000),
  posts: args.int('posts', 1_000_000, 1_000, 20_000_000),
  comments: args.int('comments', 500_000, 1_000, 50_000_000),
  postLikes: args.int('post-likes', 600_000, 0, 50_000_000),
  commentLikes: args.int('comment-likes', 400_000, 0, 50_000_000),
  showcase: args.int('showcase', 5, 1, 50),
  seed: args.int('seed', 42, 0, 2 ** 31),
  feedWindow: args.int('feed-window', 20_000, 100, 1_000_000),
  feedKeep: args.int('feed-keep', 500, 50, 100_000),
};

const { url: dbUrl, dbName, safeUrl } = seedDatabaseUrl('bench:seed', true);
const { rand, pick, pickSkewed, between, sample } = seededRandom(opts.seed);

// ---------------------------------------------------------------------------------------------
// French material

const FIRST_NAMES = [
  'Camille', 'Léa', 'Manon', 'Chloé', 'Inès', 'Jade', 'Louise', 'Emma', 'Zoé', 'Lina', 'Hugo', 'Lucas', 'Louis', 'Nathan', 'Gabriel',
  'Arthur', 'Jules', 'Raphaël', 'Mathis', 'Théo', 'Amélie', 'Hélène', 'Océane', 'Mélanie', 'Élodie', 'Céline', 'Aurélie', 'Sébastien',
  'Jérôme', 'Frédéric', 'François', 'Benoît', 'Rémi', 'Noël', 'Joël', 'Gaëlle', 'Maëlle', 'Anaïs', 'Loïc', 'Aïcha', 'Fatou', 'Mamadou',
  'Karim', 'Yasmine', 'Sofiane', 'Nadia', 'Mehdi', 'Samira', 'Minh', 'Paulette', 'Yvonne', 'Marcel', 'Gisèle', 'Josiane', 'Bernard',
  'Michel', 'Monique', 'Danielle', 'Pierre', 'Marie', 'Jean', 'Anne', 'Claire', 'Agnès', 'Maxime', 'Margaux', 'Clément', 'Baptiste',
  'Coralie', 'Solène', 'Bérénice', 'Timothée', 'Éloïse', 'Noémie', 'Ophélie', 'Gaël', 'Yannick', 'Ghislaine', 'Odile', 'René',
];
const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre',
  'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier', 'Morel', 'Girard', 'André', 'Lefebvre', 'Mercier', 'Dupont',
  'Lambert', 'Bonnet', 'François', 'Martinez', 'Legrand', 'Garnier', 'Faure', 'Rousseau', 'Blanc', 'Guérin', 'Muller', 'Henry',
  'Roussel', 'Nicolas', 'Perrin', 'Morin', 'Mathieu', 'Clément', 'Gauthier', 'Dumont', 'Lopez', 'Fontaine', 'Chevalier', 'Robin',
  'Masson', 'Sanchez', 'Gérard', 'Nguyen', 'Boyer', 'Denis', 'Lemaire', 'Duval', 'Joly', 'Gautier', 'Roger', 'Roche', 'Roy', 'Noël',
  'Meyer', 'Lucas', 'Meunier', 'Pérez', 'Marchand', 'Dufour', 'Blanchard', 'Barbier', 'Brun', 'Dumas', 'Brunet', 'Schmitt', 'Leroux',
  'Colin', 'Fernandez', 'Benali', 'Diallo', 'Traoré', 'Haddad', 'Le Goff', 'Le Gall', 'Kerbrat', 'Etcheverry', 'Da Silva', 'Château',
];
const PLACES = [
  'Lyon 7e', 'Villeurbanne', 'Marseille, Belsunce', 'Toulouse, Arnaud-Bernard', 'Nantes, Doulon', 'Rennes, Villejean', 'Lille-Fives',
  'Grenoble, Abbaye', 'Montreuil', 'Saint-Denis', 'Bordeaux, Saint-Michel', 'Strasbourg, Neudorf', 'Besançon', 'Brest', 'Clermont-Ferrand',
  'Tours', 'Dijon', 'Angers', 'Rouen, rive gauche', 'Limoges', 'Poitiers', 'Pau', 'Perpignan', 'Nancy', 'Metz', 'Amiens', 'Caen',
  'Saint-Étienne', 'Le Mans', 'Annecy', 'Valence', 'Nîmes', 'Avignon', 'Bayonne', 'Quimper', 'La Rochelle', 'Chambéry', 'Arles',
];
const PRONOUNS = ['elle', 'il', 'iel', 'elle/iel', 'il/lui'];
const BIO_SENTENCES = [
  'Retraitée, je donne des cours de tricot le mardi.', 'Bricoleur du dimanche, j’ai une caisse à outils bien remplie.',
  'Maman de trois enfants, toujours partante pour un échange de garde.', 'Étudiant en informatique, je dépanne volontiers vos ordinateurs.',
  'Je cultive un petit potager partagé au pied de l’immeuble.', 'Ancienne infirmière, j’aide pour les papiers de la CAF et de la CPAM.',
  'Cycliste au quotidien, je répare les vélos du quartier.', 'Je cuisine trop : venez chercher des parts le vendredi soir.',
  'Bénévole à l’épicerie solidaire depuis 2019.', 'J’aime lire, marcher et discuter autour d’un café.',
  'Je parle arabe et français, je peux aider pour des traductions.', 'Musicien amateur, je prête ma guitare et mon temps.',
  'Arrivée récemment dans le quartier, je cherche à rencontrer du monde.', 'Je fais du covoiturage vers Lyon tous les lundis.',
  'Couturière, je raccommode et je retouche les vêtements.', 'Prof de maths à la retraite : aide aux devoirs du CP à la terminale.',
  'Je garde volontiers vos plantes et vos chats pendant les vacances.', 'Électricien de métier, je donne des conseils avant les travaux.',
  'Je milite pour une alimentation saine et locale.', 'Amoureuse des livres, je tiens une boîte à livres dans ma rue.',
];
const SKILLS = [
  'Bricolage', 'Jardinage', 'Cuisine', 'Aide aux devoirs', 'Informatique', 'Couture', 'Mécanique vélo', 'Plomberie', 'Électricité',
  'Traduction anglais', 'Traduction arabe', 'Garde d’enfants', 'Covoiturage', 'Déménagement', 'Démarches administratives', 'Peinture',
  'Menuiserie', 'Photographie', 'Premiers secours', 'Tricot', 'Pâtisserie', 'Soutien scolaire', 'Réparation électroménager',
  'Secrétariat', 'Comptabilité', 'Coiffure', 'Massage', 'Yoga', 'Musique', 'Écoute', 'Lecture à voix haute', 'Permis B', 'Ménage',
  'Promenade de chiens', 'Soudure', 'Carrelage', 'Rédaction de CV', 'Apprentissage du français', 'Langue des signes',
];
const INTERESTS = [
  'Randonnée', 'Jeux de société', 'Cinéma', 'Lecture', 'Écologie', 'Potager', 'Théâtre', 'Chorale', 'Football', 'Échecs',
  'Histoire locale', 'Cuisine du monde', 'Zéro déchet', 'Vélo', 'Photographie', 'Danse', 'Poésie', 'Astronomie', 'Pêche', 'Couture',
];
const LANGUAGES = ['Français', 'Anglais', 'Espagnol', 'Arabe', 'Portugais', 'Allemand', 'Italien', 'Wolof', 'Turc', 'LSF', 'Breton', 'Occitan'];

const POST_SENTENCES = [
  'Quelqu’un aurait-il une perceuse à prêter ce week-end ?', 'Merci à toutes celles et ceux qui sont venus samedi, c’était une belle journée.',
  'Je cherche une personne pour arroser mes tomates pendant deux semaines en août.', 'Atelier de réparation de vélos dimanche matin devant la médiathèque.',
  'La gratiferia du mois prochain aura lieu dans la cour de l’école Jules-Ferry.', 'Nous avons encore besoin de bras pour le déménagement de Josiane jeudi.',
  'Je propose des cours d’initiation à l’informatique pour les aînés, gratuitement.', 'Le composteur collectif est plein, pensez à mélanger avec des feuilles sèches.',
  'Petit rappel : la réunion de l’association est décalée à 19 h.', 'J’ai fait trop de confiture de prunes, qui en veut un pot ?',
  'Est-ce que quelqu’un connaît un bon cordonnier dans le quartier ?', 'Les inscriptions pour la sortie à la mer sont ouvertes jusqu’à vendredi.',
  'Un grand merci à mes voisins qui ont gardé mon chat pendant mon hospitalisation.', 'Qui serait partant pour un covoiturage vers le marché de producteurs ?',
  'On organise une collecte de fournitures scolaires pour la rentrée.', 'Je donne un canapé deux places en bon état, à venir chercher.',
  'L’épicerie solidaire cherche des bénévoles le mercredi après-midi.', 'Je peux aider à remplir les dossiers de demande de logement social.',
  'La boîte à livres de la rue des Lilas a été repeinte par les enfants du centre de loisirs.', 'Panne de chauffage dans l’immeuble : quelqu’un a le numéro du syndic ?',
  'Nous cherchons des recettes simples et pas chères pour le livret de cuisine du quartier.', 'Le jardin partagé ouvre ses portes samedi de 10 h à 17 h.',
  'Je vends des semis de courgettes et de basilic à prix libre.', 'Soirée jeux de société vendredi à la maison de quartier, venez nombreux !',
  'Besoin d’un coup de main pour monter une armoire, je fournis le café et les croissants.', 'Les cours de français langue étrangère reprennent lundi.',
  'Qui aurait une poussette à donner ou à prêter quelques mois ?', 'La fête des voisins approche : on vote pour la date ?',
  'Pensez à signaler les encombrants sur le trottoir, la mairie passe mardi.', 'J’ai trouvé un trousseau de clés près de la boulangerie.',
  'Merci pour les conseils sur mon potager, les radis ont enfin poussé.', 'Nous montons un groupe de marche le jeudi matin, tous niveaux.',
  'Le repair café a sauvé trois grille-pain et une machine à coudre ce mois-ci.', 'Je cherche quelqu’un qui parle portugais pour accompagner une voisine chez le médecin.',
  'Les bénévoles de la maraude ont besoin de couvertures et de thermos.', 'Une chorale amateur se forme, aucune expérience requise.',
  'Je propose de l’aide aux devoirs en anglais le mercredi après-midi.', 'Alerte canicule : pensez à prendre des nouvelles des personnes âgées de votre palier.',
  'L’atelier couture recherche des chutes de tissu pour fabriquer des sacs.', 'Retour sur la réunion publique : la mairie étudie notre demande de bancs.',
  'Quelqu’un sait-il réparer une chasse d’eau qui fuit ?', 'La bibliothèque de rue a reçu plus de deux cents livres cette semaine.',
  'Nous organisons un troc de plantes au printemps, gardez vos boutures.', 'Je peux emmener deux personnes à la déchetterie samedi matin.',
  'Une famille réfugiée arrive dans le quartier, elle a besoin de vaisselle et de draps.', 'La collecte pour la banque alimentaire a dépassé nos espérances.',
  'Je cherche un binôme pour apprendre l’espagnol en échange de cours de cuisine.', 'Pensez à rapporter les outils empruntés à la grainothèque.',
  'Le terrain de pétanque a été nettoyé, merci à l’équipe du dimanche.', 'Qui a des idées pour animer le goûter des aînés ?',
];
const POST_PARAGRAPH_STARTS = ['Bonjour à tous,', 'Salut les voisins !', 'Petite annonce :', 'Info pratique :', 'Bonne nouvelle :', 'Appel à l’aide :', 'Pour info,', 'Coucou,'];
const POST_LISTS = [
  'Ce qu’il faut apporter :\n\n- des gants\n- un sécateur\n- de la bonne humeur',
  'Au programme :\n\n1. accueil et café\n2. ateliers en petits groupes\n3. repas partagé',
  'On cherche :\n\n- une table pliante\n- des chaises\n- une rallonge électrique',
  'Les créneaux :\n\n- lundi 18 h – 20 h\n- mercredi 14 h – 17 h\n- samedi 10 h – 12 h',
];
const LINKS = [
  'https://www.service-public.fr/particuliers/vosdroits', 'https://www.exemple.org/atelier-reparation', 'https://www.mairie-exemple.fr/agenda',
  'https://www.exemple.org/jardins-partages', 'https://www.exemple.net/covoiturage-solidaire',
];
// Popular tags first: pickSkewed makes a few tag pages much larger than the others.
const HASHTAGS = [
  'entraide', 'quartier', 'jardinage', 'bricolage', 'solidarité', 'covoiturage', 'réparation', 'cuisine', 'bénévolat', 'écologie', 'vélo',
  'soutienscolaire', 'gratiferia', 'déménagement', 'troc', 'don', 'aînés', 'enfants', 'logement', 'alimentation', 'potager', 'atelier',
  'fêtedesvoisins', 'santé', 'musique', 'lecture', 'randonnée', 'animaux', 'couture', 'informatique', 'recyclerie', 'compost', 'marché',
  'épiceriesolidaire', 'maraude', 'chorale', 'jeux', 'sport', 'canicule', 'rentrée',
];
const COMMENT_SENTENCES = [
  'Merci beaucoup !', 'Je suis disponible samedi matin.', 'Super idée, je partage autour de moi.', 'Je peux apporter des chaises.',
  'Tu peux compter sur moi.', 'Ça m’intéresse, je t’envoie un message.', 'Quelle belle initiative !', 'Je n’ai pas de perceuse mais j’ai une visseuse.',
  'On se retrouve à quelle heure ?', 'C’est noté dans mon agenda.', 'Mon fils peut venir aider aussi.', 'Est-ce que c’est accessible en fauteuil ?',
  'J’en ai parlé à ma voisine, elle est partante.', 'Trop bien, merci pour l’info.', 'Je passerai en fin de journée.', 'Il reste des places ?',
  'Bravo à toute l’équipe !', 'Je peux prêter ma voiture pour le trajet.', 'Attention, le parking est fermé ce jour-là.', 'Je ramène des gâteaux.',
  'Merci pour ton aide la semaine dernière, ça m’a sauvé.', 'Je ne pourrai pas venir, mais je peux donner des sacs.', 'Bonne idée, on fait comment pour s’inscrire ?',
  'Je connais quelqu’un qui répare ça, je te donne son numéro en privé.', 'Haha, pareil chez moi !', 'On pourrait le refaire le mois prochain ?',
  'Je confirme, c’était génial.', 'Il faudrait prévenir la mairie.', 'Je peux traduire l’affiche en anglais.', 'Courage, on est avec toi.',
];

/** "Hélène Lefèvre" → "helene_lefevre" */
function asciiHandlePart(s: string): string {
  return s.normalize('NFD').replace(/\p{Diacritic}/gu, '').replace(/[^A-Za-z0-9]/g, '');
}

const progress = new Progress();
const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------
// Database helpers

async function ensureDatabase(): Promise<void> {
  const adminUrl = new URL(dbUrl.href);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.href });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [dbName]);
    if (!rowCount) {
      await admin.query(`create database "${dbName}"`);
      log(`Created database ${dbName}.`);
    }
  } finally {
    await admin.end();
  }
}

async function prepareSchema(): Promise<void> {
  const handle = openPostgres(dbUrl.href, { max: 2 });
  try {
    const { rows } = await handle.pool!.query<{ users: string | null }>(`select to_regclass('public.users')::text as users`);
    const hasUsersTable = rows[0]?.users != null;
    const hasUsers = hasUsersTable && ((await handle.pool!.query('select exists (select 1 from users) as e')).rows[0] as { e: boolean }).e;
    if (hasUsers && !opts.reset) {
      throw new Error(`${safeUrl} already has members. Run with --reset to migrate it down to nothing and up again (every row is lost), or use another database.`);
    }
    if (hasUsers && opts.reset) {
      log('--reset: migrating down to nothing…');
      const t0 = performance.now();
      const { error, results } = await createMigrator(handle.db).migrateTo(NO_MIGRATIONS);
      if (error) {
        const failed = results?.find((r) => r.status === 'Error');
        throw new Error(`migrating down failed at ${failed?.migrationName ?? '?'}: ${(error as Error).message ?? String(error)}`);
      }
      log(`  undid ${results?.length ?? 0} migrations in ${secs(performance.now() - t0)}`);
    }
    const applied = await migrateToLatest(handle.db);
    log(`Migrations: ${applied.length ? `applied ${applied.length}` : 'up to date'}.`);
  } finally {
    await handle.close();
  }
}

// Tables whose secondary indexes are dropped during the load and rebuilt after.
const LOADED_TABLES = ['follows', 'posts', 'post_mentions', 'post_tags', 'post_revisions', 'comments', 'post_likes', 'comment_likes', 'notifications', 'profile_tags', 'sessions', 'feed_items', 'profiles'];

// ---------------------------------------------------------------------------------------------
// Generated material

interface Member extends Mentionable {
  displayName: string;
}

function makeMembers(n: number): Member[] {
  const taken = new Set<string>();
  const members: Member[] = [];
  for (let id = 1; id <= n; id++) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const f = asciiHandlePart(first);
    const l = asciiHandlePart(last);
    const style = rand();
    let base =
      style < 0.55 ? `${f}_${l}`.toLowerCase() : style < 0.75 ? `${f}${l[0]}` : style < 0.9 ? `${f[0]}${l}`.toLowerCase() : `${f.toLowerCase()}${between(60, 99)}`;
    base = base.slice(0, 24);
    let handle = base;
    for (let k = 2; taken.has(handle.toLowerCase()); k++) handle = `${base}${k}`;
    taken.add(handle.toLowerCase());
    members.push({ id, handle, displayName: `${first} ${last}` });
  }
  return members;
}

function mentionOf(members: Member[]): Member {
  // Popular members (low ids, see the follows) are mentioned more often.
  return pickSkewed(members, 2);
}

function postText(members: Member[], withMentions: boolean): Draft {
  const shape = rand();
  const sentences = (n: number) => Array.from({ length: n }, () => pick(POST_SENTENCES)).join(' ');
  const paragraphs: string[] = [];
  if (shape < 0.4) paragraphs.push(sentences(between(1, 2)));
  else if (shape < 0.8) {
    paragraphs.push(`${pick(POST_PARAGRAPH_STARTS)} ${sentences(between(1, 3))}`, sentences(between(1, 3)));
  } else if (shape < 0.95) {
    paragraphs.push(`${pick(POST_PARAGRAPH_STARTS)} ${sentences(between(2, 4))}`);
    for (let i = between(2, 4); i > 0; i--) paragraphs.push(sentences(between(2, 4)));
    if (rand() < 0.5) paragraphs.splice(1, 0, pick(POST_LISTS));
  } else {
    // the long ones: 2 000 – 4 500 characters
    paragraphs.push(`${pick(POST_PARAGRAPH_STARTS)} ${sentences(4)}`);
    while (paragraphs.join('\n\n').length < between(2000, 4300)) paragraphs.push(sentences(between(3, 6)));
    paragraphs.splice(2, 0, pick(POST_LISTS));
  }
  if (rand() < 0.2) paragraphs[paragraphs.length - 1] += ` Plus d’infos : ${pick(LINKS)}`;
  if (rand() < 0.15) paragraphs[0] = paragraphs[0]!.replace(/(\S+ \S+)/, '*$1*');
  const mentioned: Member[] = [];
  if (withMentions) {
    const n = rand() < 0.7 ? 1 : between(2, 3);
    for (let i = 0; i < n; i++) mentioned.push(mentionOf(members));
    const names = [...new Set(mentioned)].map((m) => `@${m.handle}`);
    paragraphs[0] = rand() < 0.5 ? `${names.join(' ')} ${paragraphs[0]}` : `${paragraphs[0]} Merci ${names.join(' et ')} !`;
  }
  if (rand() < 0.35) {
    const tags = [...new Set(Array.from({ length: between(1, 3) }, () => pickSkewed(HASHTAGS, 2)))];
    paragraphs[paragraphs.length - 1] += ` ${tags.map((t) => `#${t}`).join(' ')}`;
  }
  let text = paragraphs.join('\n\n');
  if (text.length > 4900) text = text.slice(0, 4900);
  return { text, mentioned };
}

function commentText(members: Member[]): Draft {
  const mentioned: Member[] = [];
  let text = Array.from({ length: between(1, 3) }, () => pick(COMMENT_SENTENCES)).join(' ');
  if (rand() < 0.12) {
    const m = mentionOf(members);
    mentioned.push(m);
    text = `@${m.handle} ${text}`;
  }
  if (rand() < 0.05) text = text.replace(/(\S+)/, '**$1**');
  return { text, mentioned };
}

// ---------------------------------------------------------------------------------------------

interface Manifest {
  seededAt: string;
  database: string;
  seed: number;
  options: typeof opts;
  durationS: number;
  counts: Record<string, number>;
  viewer: { id: number; handle: string; displayName: string; following: number; feedItems: number };
  fullWalls: { id: number; handle: string; displayName: string; posts: number; publicPosts: number; followers: number; note: string }[];
  showcasePosts: { id: number; wallHandle: string; authorHandle: string; comments: number; topLevel: number; replies: number; likes: number }[];
  steps: { step: string; rows: number; seconds: number }[];
}

async function main(): Promise<void> {
  const started = new Date();
  log(`Seeding ${safeUrl}: ${fmt(opts.users)} members, ${fmt(opts.posts)} posts, ${fmt(opts.comments)} comments, ${fmt(opts.postLikes)} post likes, ${fmt(opts.commentLikes)} comment likes (seed ${opts.seed})`);
  await ensureDatabase();
  await prepareSchema();

  const N = opts.users;
  const P = opts.posts;
  const S = opts.showcase;
  const SHOWCASE_TOP = 40;
  const SHOWCASE_REPLIES = 10;
  const P_MAIN = P - S;
  const SHARES = Math.round(P_MAIN * 0.02);
  const C_SHOWCASE = S * (SHOWCASE_TOP + SHOWCASE_REPLIES);
  const C_RANDOM = Math.max(opts.comments - C_SHOWCASE, 0);
  const C_REPLIES = Math.round(C_RANDOM * 0.2);
  const C_TOP = C_RANDOM - C_REPLIES;
  progress.plannedRows = N * 2 + N * 7 + Math.round(N * 0.7) + N * 275 + N * opts.feedKeep * 0.8 + P + Math.round(P * 1.1) + opts.comments + opts.postLikes + opts.commentLikes + Math.round(P * 0.6);

  const client = new pg.Client({ connectionString: dbUrl.href });
  await client.connect();
  const q = async (text: string, values?: unknown[]) => (await client.query(text, values)).rowCount ?? 0;
  const one = async <T>(text: string, values?: unknown[]) => (await client.query(text, values)).rows[0] as T;

  try {
    const triggersOff = await startLoadSession(client, opts.seed);
    const { dropped, rebuild } = await dropSecondaryIndexes(client, LOADED_TABLES);
    log(`Dropped ${dropped} secondary indexes for the load${triggersOff ? '; foreign-key triggers off' : ''}.`);

    // ---- members ------------------------------------------------------------------------
    log('Members, profiles, tags, sessions…');
    const members = makeMembers(N);
    const passwordHash = await hashPassword('bench-password-not-a-secret');
    const now = Date.now();
    const DAY = 86_400_000;
    await progress.single('users', async () => {
      let rows = 0;
      for (let start = 0; start < N; start += 5000) {
        const part = members.slice(start, start + 5000);
        rows += await q(
          `insert into users (id, handle, email, display_name, password_hash, role, status, locale, created_at, password_changed_at)
           select id, h, lower(h) || '@exemple.invalid', d, $4, case when id = 1 then 'admin' when id <= 6 then 'moderator' else 'member' end,
                  'active', l, c, c
             from unnest($1::bigint[], $2::text[], $3::text[], $5::text[], $6::timestamptz[]) as x(id, h, d, l, c)`,
          [
            part.map((m) => m.id),
            part.map((m) => m.handle),
            part.map((m) => m.displayName),
            passwordHash,
            part.map(() => (rand() < 0.85 ? 'fr' : 'en')),
            // joined between three years and thirteen months ago, older ids first
            part.map((m) => new Date(now - 3 * 365 * DAY + (m.id / N) * (3 * 365 - 400) * DAY)),
          ],
        );
      }
      return rows;
    });
    await progress.single('profiles', async () => {
      let rows = 0;
      for (let start = 0; start < N; start += 5000) {
        const part = members.slice(start, start + 5000);
        rows += await q(
          `insert into profiles (user_id, bio, pronouns, location, links, wall_policy)
           select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[])`,
          [
            part.map((m) => m.id),
            part.map(() => (rand() < 0.15 ? '' : sample(BIO_SENTENCES, between(1, 3)).join(' '))),
            part.map(() => (rand() < 0.25 ? pick(PRONOUNS) : '')),
            part.map(() => (rand() < 0.7 ? pick(PLACES) : '')),
            part.map((m) => JSON.stringify(rand() < 0.15 ? [{ url: `https://www.exemple.org/membres/${m.handle.toLowerCase()}`, label: rand() < 0.5 ? 'Mon site' : '' }] : [])),
            part.map(() => {
              const r = rand();
              return r < 0.9 ? 'everyone' : r < 0.98 ? 'following' : 'nobody';
            }),
          ],
        );
      }
      return rows;
    });
    await progress.single('profile_tags', async () => {
      const ids: number[] = [];
      const kinds: string[] = [];
      const tags: string[] = [];
      const positions: number[] = [];
      for (const m of members) {
        const add = (kind: string, list: string[]) => list.forEach((tag, i) => (ids.push(m.id), kinds.push(kind), tags.push(tag), positions.push(i)));
        add('skill', sample(SKILLS, rand() < 0.2 ? 0 : between(1, 5)));
        add('interest', sample(INTERESTS, between(0, 4)));
        add('language', ['Français', ...sample(LANGUAGES.slice(1), rand() < 0.5 ? 0 : between(1, 2))]);
      }
      let rows = 0;
      for (let start = 0; start < ids.length; start += 20_000) {
        rows += await q(`insert into profile_tags (user_id, kind, tag, position) select * from unnest($1::bigint[], $2::text[], $3::text[], $4::smallint[])`, [
          ids.slice(start, start + 20_000),
          kinds.slice(start, start + 20_000),
          tags.slice(start, start + 20_000),
          positions.slice(start, start + 20_000),
        ]);
      }
      return rows;
    });
    await progress.single('questions', async () => {
      await q(`insert into profile_questions (id, label_fr, label_en, kind, choices, required, position) values
               (1, 'Votre quartier', 'Your neighbourhood', 'text', '[]', false, 1),
               (2, 'Quand êtes-vous disponible ?', 'When are you available?', 'choice', '["En semaine", "Le soir", "Le week-end"]', false, 2)`);
      const a = await q(`insert into profile_answers (user_id, question_id, answer)
                         select id, 1, (array['Croix-Rousse', 'Centre-ville', 'Les Pentes', 'La Guillotière', 'Gerland', 'Vaise', 'Monplaisir'])[1 + floor(random() * 7)::int]
                           from users where random() < 0.4`);
      const b = await q(`insert into profile_answers (user_id, question_id, answer)
                         select id, 2, (array['En semaine', 'Le soir', 'Le week-end'])[1 + floor(random() * 3)::int] from users where random() < 0.3`);
      return 2 + a + b;
    });
    await progress.single('sessions', () =>
      // Other members' sessions, so the signed-in lookup searches a realistically sized table.
      q(`insert into sessions (id, user_id, created_at, expires_at, last_seen_at, user_agent, ip)
         select encode(sha256(convert_to(id::text || ':' || random()::text, 'UTF8')), 'hex'), id, now() - random() * interval '20 days',
                now() + interval '10 days' + random() * interval '20 days', now() - random() * interval '5 days', 'Mozilla/5.0 (seed)', '192.0.2.' || (id % 250)
           from users where random() < 0.6`),
    );

    // ---- follows ------------------------------------------------------------------------
    log('Follows (each member follows 50–500 others; low ids are the popular ones)…');
    const followRows = await progress.chunked(
      'follows',
      N,
      500,
      (from, to) =>
        q(
          `insert into follows (follower_id, followee_id, created_at)
           select follower_id, followee_id, created_at from (
             select c.follower_id, c.followee_id, c.k, min(c.created_at) as created_at,
                    row_number() over (partition by c.follower_id order by min(c.ord)) as rn
               from (
                 select u.id as follower_id, u.k, 1 + floor(${int(N)} * power(random(), 2))::bigint as followee_id, g as ord,
                        now() - random() * interval '380 days' as created_at
                   from (select id, 50 + floor(random() * 451)::int as k from generate_series($1::bigint, $2::bigint) as id) u,
                        lateral generate_series(1, u.k + u.k / 2 + 10) as g
               ) c
              where c.followee_id <> c.follower_id
              group by c.follower_id, c.followee_id, c.k
           ) d
           where rn <= k`,
          [from, to],
        ),
      'members', // the step walks the members once; it and the manifest count the rows they add
    );
    log(`  ${fmt(followRows)} follow rows`);

    // ---- posts --------------------------------------------------------------------------
    log('Rendering the body pools with server/services/markdown.ts…');
    let t0 = performance.now();
    const POST_POOL = Math.min(6000, Math.max(500, Math.round(P / 30)));
    const MENTION_POOL = Math.round(POST_POOL * 0.25);
    const mentionBodies = makePool(MENTION_POOL, () => postText(members, true));
    const postPool = [...mentionBodies, ...makePool(POST_POOL - MENTION_POOL, () => postText(members, false))];
    const commentPool = makePool(4000, () => commentText(members));
    const sharePool = makePool(12, () => ({ text: `${pick(['Je relaie :', 'À partager !', 'Important pour le quartier.', 'Qui peut aider ?'])} ${rand() < 0.5 ? '#entraide' : ''}`.trim(), mentioned: [] }));
    await insertPool(client, 'tmp_post_bodies', postPool, true);
    await insertPool(client, 'tmp_comment_bodies', commentPool, true);
    const mentionPoolSize = mentionBodies.length; // indexes 0 … mentionPoolSize-1 carry mentions
    log(`  ${fmt(postPool.length)} post bodies (${fmt(mentionPoolSize)} with mentions, ${fmt(postPool.filter((b) => b.tags.length).length)} with hashtags, ${fmt(Math.min(...postPool.map((b) => b.body.length)))}–${fmt(Math.max(...postPool.map((b) => b.body.length)))} characters), ${fmt(commentPool.length)} comment bodies, in ${secs(performance.now() - t0)}`);

    log('Posts (created over the last 400 days; 45 % public, 40 % members, 10 % followers, 5 % mentioned)…');
    const startEpoch = Math.floor((now - 400 * DAY) / 1000);
    const stepSec = ((400 * DAY - 12 * 3_600_000) / 1000) / P_MAIN;
    await progress.chunked('posts', P_MAIN, 25_000, (from, to) =>
      q(
        `insert into posts (id, author_id, wall_owner_id, body, body_html, visibility, created_at, edited_at)
         select x.id, x.author_id,
                case when x.other is not null and x.other <> x.author_id and pr.wall_policy = 'everyone' then x.other else x.author_id end,
                b.body, b.body_html, x.visibility, x.created_at,
                case when x.r_edit < 0.03 then least(x.created_at + x.r_edit * 40 * interval '1 day', now()) end
           from (
             select y.id, y.author_id, y.other, y.created_at, y.r_edit,
                    case when y.r_vis < 0.45 then 'public' when y.r_vis < 0.85 then 'members' when y.r_vis < 0.95 then 'followers' else 'mentioned' end as visibility,
                    case when y.r_vis >= 0.95 then floor(y.r_body * ${int(mentionPoolSize)})::int else floor(y.r_body * ${int(postPool.length)})::int end as body_idx
               from (
                 select g as id,
                        1 + floor(${int(N)} * power(random(), 2))::bigint as author_id,
                        case when random() < 0.12 then 1 + floor(${int(N)} * power(random(), 2))::bigint end as other,
                        to_timestamp(${int(startEpoch)} + (g - 1) * ${stepSec} + random() * ${stepSec}) as created_at,
                        random() as r_vis, random() as r_body, random() as r_edit
                   from generate_series($1::bigint, $2::bigint) as g
               ) y
           ) x
           left join profiles pr on pr.user_id = x.other
           join tmp_post_bodies b on b.idx = x.body_idx`,
        [from, to],
      ),
    );
    await progress.single('shares', () =>
      q(
        // The window start is computed first: a volatile random() inside the correlated subquery
        // could not bound the index scan (it scanned the primary key from id 1 for every share).
        `with s as materialized (
           select id, id - 1 - floor(random() * 3000)::bigint as lo, 1 + floor(random() * ${int(sharePool.length)})::int as i, random() < 0.3 as with_text
             from posts where id > 2000 order by random() limit ${int(SHARES)}
         ), t as (
           select s.*, (select o.id from posts o
                         where o.id >= s.lo and o.id < s.id and o.visibility in ('public', 'members') and o.id not in (select id from s)
                         order by o.id limit 1) as original
             from s
         )
         update posts p
            set is_share = true,
                body = case when t.with_text then ($1::text[])[t.i] else '' end,
                body_html = case when t.with_text then ($2::text[])[t.i] else '' end,
                visibility = case when p.visibility = 'mentioned' then 'members' else p.visibility end,
                shared_post_id = t.original
           from t where t.id = p.id`,
        [sharePool.map((b) => b.body), sharePool.map((b) => b.html)],
      ),
    );
    // A share whose window held no shareable original is an ordinary post again (rare).
    await q(`update posts p set is_share = false, body = b.body, body_html = b.body_html
               from tmp_post_bodies b where p.is_share and p.shared_post_id is null and b.idx = p.id % ${int(postPool.length)}`);

    // ---- full walls, the viewer and the showcase posts ----------------------------------
    const walls = (
      await client.query<{ id: number; handle: string; display_name: string; posts: string; public_posts: string }>(
        `select u.id::int as id, u.handle, u.display_name, w.posts, w.public_posts
           from (select wall_owner_id, count(*) as posts, count(*) filter (where visibility = 'public') as public_posts from posts group by wall_owner_id) w
           join users u on u.id = w.wall_owner_id
          where w.public_posts >= 25
          order by w.posts desc`,
      )
    ).rows;
    if (walls.length < 3) throw new Error('fewer than three walls with 25 public posts: seed more posts');
    const chosenWalls = [
      { ...walls[0]!, note: 'the largest wall' },
      { ...walls[Math.floor(walls.length / 2)]!, note: 'a median wall among those with at least 25 public posts' },
      { ...walls[walls.length - 1]!, note: 'the smallest wall with at least 25 public posts' },
    ];
    const showcaseOwners = chosenWalls.map((w) => w.id);

    const showcaseFirstId = P_MAIN + 1;
    await progress.single('showcase', async () => {
      let rows = 0;
      for (let i = 0; i < S; i++) {
        const owner = showcaseOwners[i % showcaseOwners.length]!;
        // a body with hashtags and no mention, of some length
        const found = postPool.findIndex((b, k) => k >= mentionPoolSize && b.tags.length > 0 && b.body.length > 300 && k % S === i);
        const idx = found < 0 ? mentionPoolSize + i : found;
        rows += await q(
          `insert into posts (id, author_id, wall_owner_id, body, body_html, visibility, created_at)
           select $1, $2, $2, body, body_html, 'public', now() - ($3 || ' hours')::interval from tmp_post_bodies where idx = $4`,
          [showcaseFirstId + i, owner, S - i + 2, idx],
        );
      }
      return rows;
    });

    await progress.single('mentions', () =>
      q(`insert into post_mentions (post_id, user_id)
         select distinct p.id, m.uid from posts p join tmp_post_bodies b on b.body = p.body cross join unnest(b.mention_ids) as m(uid) where not p.is_share`),
    );
    await progress.single('post_tags', () =>
      q(`insert into post_tags (post_id, tag, created_at)
         select p.id, t.tag, p.created_at from posts p join tmp_post_bodies b on b.body = p.body cross join unnest(b.tags) as t(tag) where not p.is_share`),
    );
    await progress.single('tag follows', () =>
      // A fifth of the members follow 1–3 hashtags, the popular ones more often.
      q(`insert into follows (follower_id, hashtag, created_at)
         select follower_id, tag, min(created_at) from (
           select u.id as follower_id, ($1::text[])[1 + floor(${int(HASHTAGS.length)} * power(random(), 2))::int] as tag, now() - random() * interval '200 days' as created_at
             from (select id, 1 + floor(random() * 3)::int as k from users where random() < 0.2) u
             cross join lateral generate_series(1, u.k) as g
         ) x group by follower_id, tag`, [HASHTAGS]),
    );
    await progress.single('revisions', () =>
      q(`insert into post_revisions (post_id, body, written_at, replaced_at)
         select id, left(body, 4000) || E'\\n\\n(première version)', created_at, edited_at from posts where edited_at is not null order by id`),
    );

    // ---- comments -----------------------------------------------------------------------
    log(`Comments (${fmt(C_TOP)} top-level, ${fmt(C_REPLIES)} replies, ${fmt(C_SHOWCASE)} on the showcase posts; recent posts get more)…`);
    await progress.chunked('comments', C_TOP, 100_000, (from, to) =>
      q(
        `insert into comments (id, post_id, parent_id, author_id, body, body_html, created_at)
         select x.id, p.id, null, x.author_id, b.body, b.body_html, least(p.created_at + x.r_t * interval '3 days', now())
           from (
             select g as id, least(1 + floor(${int(P_MAIN)} * (1 - power(random(), 1.5)))::bigint, ${int(P_MAIN)}) as post_id,
                    1 + floor(${int(N)} * power(random(), 1.3))::bigint as author_id, floor(random() * ${int(commentPool.length)})::int as body_idx, random() as r_t
               from generate_series($1::bigint, $2::bigint) as g
           ) x
           join posts p on p.id = x.post_id
           join tmp_comment_bodies b on b.idx = x.body_idx`,
        [from, to],
      ),
    );
    await progress.chunked('replies', C_REPLIES, 100_000, (from, to) =>
      q(
        `insert into comments (id, post_id, parent_id, author_id, body, body_html, created_at)
         select ${int(C_TOP)} + x.n, c.post_id, c.id, x.author_id, b.body, b.body_html, least(c.created_at + x.r_t * interval '1 day', now())
           from (
             select g as n, 1 + floor(${int(C_TOP)} * random())::bigint as parent, 1 + floor(${int(N)} * power(random(), 1.3))::bigint as author_id,
                    floor(random() * ${int(commentPool.length)})::int as body_idx, random() as r_t
               from generate_series($1::bigint, $2::bigint) as g
           ) x
           join comments c on c.id = x.parent
           join tmp_comment_bodies b on b.idx = x.body_idx`,
        [from, to],
      ),
    );
    const showcaseCommentFirstId = C_TOP + C_REPLIES + 1;
    await progress.single('showcase com.', async () => {
      const ids: number[] = [];
      const postIds: number[] = [];
      const parents: (number | null)[] = [];
      const authors: number[] = [];
      const bodyIdx: number[] = [];
      const minutes: number[] = [];
      const add = (cid: number, postId: number, parent: number | null, author: number, body: number, minute: number) => {
        ids.push(cid);
        postIds.push(postId);
        parents.push(parent);
        authors.push(author);
        bodyIdx.push(body);
        minutes.push(minute);
      };
      let id = showcaseCommentFirstId;
      for (let i = 0; i < S; i++) {
        const postId = showcaseFirstId + i;
        const top: { id: number; minute: number }[] = [];
        for (let k = 0; k < SHOWCASE_TOP; k++) {
          const minute = 2 + k * 2;
          top.push({ id, minute });
          add(id++, postId, null, 1 + Math.floor(Math.pow(rand(), 1.3) * N), between(0, commentPool.length - 1), minute);
        }
        for (let k = 0; k < SHOWCASE_REPLIES; k++) {
          const parent = pick(top);
          add(id++, postId, parent.id, 1 + Math.floor(rand() * N), between(0, commentPool.length - 1), parent.minute + 1);
        }
      }
      return q(
        `insert into comments (id, post_id, parent_id, author_id, body, body_html, created_at)
         select x.id, x.post_id, x.parent_id, x.author_id, b.body, b.body_html, p.created_at + x.minute * interval '1 minute'
           from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::int[]) as x(id, post_id, parent_id, author_id, body_idx, minute)
           join posts p on p.id = x.post_id
           join tmp_comment_bodies b on b.idx = x.body_idx`,
        [ids, postIds, parents, authors, bodyIdx, minutes],
      );
    });
    const C_TOTAL = showcaseCommentFirstId + C_SHOWCASE - 1;

    // ---- likes --------------------------------------------------------------------------
    log('Likes on posts and comments (duplicates skipped, topped up to the target)…');
    await progress.chunked('post_likes', opts.postLikes, 100_000, (from, to) =>
      q(
        `insert into post_likes (post_id, user_id, created_at)
         select p.id, x.user_id, least(p.created_at + x.r_t * interval '5 days', now())
           from (
             select least(1 + floor(${int(P)} * (1 - power(random(), 1.5)))::bigint, ${int(P)}) as post_id, 1 + floor(${int(N)} * random())::bigint as user_id, random() as r_t
               from generate_series($1::bigint, $2::bigint)
           ) x
           join posts p on p.id = x.post_id
         on conflict do nothing`,
        [from, to],
      ),
    );
    await progress.chunked('comment_likes', opts.commentLikes, 100_000, (from, to) =>
      q(
        `insert into comment_likes (comment_id, user_id, created_at)
         select c.id, x.user_id, least(c.created_at + x.r_t * interval '2 days', now())
           from (
             select least(1 + floor(${int(C_TOTAL)} * (1 - power(random(), 1.2)))::bigint, ${int(C_TOTAL)}) as comment_id, 1 + floor(${int(N)} * random())::bigint as user_id, random() as r_t
               from generate_series($1::bigint, $2::bigint)
           ) x
           join comments c on c.id = x.comment_id
         on conflict do nothing`,
        [from, to],
      ),
    );

    // ---- the viewer ---------------------------------------------------------------------
    // A plain member who follows the chosen walls, has liked a few showcase comments and has
    // unread notifications: the signed-in pages show every per-viewer element.
    const viewer = await one<{ id: number; handle: string; display_name: string }>(
      `select u.id::int as id, u.handle, u.display_name from users u
         join (select follower_id, count(*) as n from follows group by follower_id) f on f.follower_id = u.id
        where u.role = 'member' and u.id > ${int(Math.floor(N / 3))} and u.id <> all($1::bigint[])
        order by abs(f.n - 300), u.id limit 1`,
      [showcaseOwners],
    );
    // (The follows unique indexes are dropped during the load: "on conflict" could not see a duplicate.)
    await q(`insert into follows (follower_id, followee_id) select $1, o from unnest($2::bigint[]) as o
              where not exists (select 1 from follows f where f.follower_id = $1 and f.followee_id = o)`, [viewer.id, showcaseOwners]);
    await q(`insert into comment_likes (comment_id, user_id) select id, $1 from comments where id >= $2 and id % 7 = 0 on conflict do nothing`, [viewer.id, showcaseCommentFirstId]);
    await q(`insert into post_likes (post_id, user_id) select id, $1 from posts where wall_owner_id = any($2::bigint[]) and id % 5 = 0 on conflict do nothing`, [viewer.id, showcaseOwners]);

    // ---- notifications ------------------------------------------------------------------
    await progress.single('notifications', async () => {
      const a = await q(
        `insert into notifications (user_id, kind, actor_id, post_id, comment_id, created_at, read_at)
         select m.user_id, 'mention_post', p.author_id, p.id, null, p.created_at,
                case when random() < 0.85 then least(p.created_at + (1 + random() * 48) * interval '1 hour', now()) end
           from post_mentions m join posts p on p.id = m.post_id
          where m.user_id <> p.author_id
          order by p.created_at, p.id`,
      );
      const b = await q(
        `insert into notifications (user_id, kind, actor_id, post_id, comment_id, created_at, read_at)
         select m.uid, 'mention_comment', c.author_id, c.post_id, c.id, c.created_at,
                case when random() < 0.85 then least(c.created_at + (1 + random() * 48) * interval '1 hour', now()) end
           from comments c join tmp_comment_bodies b on b.body = c.body cross join unnest(b.mention_ids) as m(uid)
          where m.uid <> c.author_id
          order by c.created_at, c.id`,
      );
      const c = await q(
        `insert into notifications (user_id, kind, actor_id, post_id, created_at)
         select $1, 'mention_post', p.author_id, p.id, now() - g * interval '1 hour'
           from generate_series(1, 4) as g join posts p on p.id = $2 + g`,
        [viewer.id, showcaseFirstId - 10],
      );
      return a + b + c;
    });

    // ---- counters -----------------------------------------------------------------------
    log('Counters…');
    await progress.single('post counters', () =>
      q(`update posts p set like_count = a.ln, comment_count = a.cn, share_count = a.sn
           from (select post_id, sum(ln)::int as ln, sum(cn)::int as cn, sum(sn)::int as sn from (
                   select post_id, 1 as ln, 0 as cn, 0 as sn from post_likes
                   union all select post_id, 0, 1, 0 from comments
                   union all select shared_post_id, 0, 0, 1 from posts where shared_post_id is not null
                 ) u group by post_id) a
          where a.post_id = p.id`).then(() => 0),
    );
    await progress.single('comment counts', () =>
      q(`update comments c set like_count = a.n from (select comment_id, count(*)::int as n from comment_likes group by comment_id) a where a.comment_id = c.id`).then(() => 0),
    );
    await progress.single('profile counts', () =>
      q(`update profiles pr set post_count = a.pc, follower_count = a.fc, following_count = a.gc
           from (select uid, sum(pc)::int as pc, sum(fc)::int as fc, sum(gc)::int as gc from (
                   select author_id as uid, 1 as pc, 0 as fc, 0 as gc from posts
                   union all select followee_id, 0, 1, 0 from follows where followee_id is not null
                   union all select follower_id, 0, 0, 1 from follows where followee_id is not null
                 ) u group by uid) a
          where a.uid = pr.user_id`).then(() => 0),
    );
    for (const [table, column] of [['users', 'id'], ['posts', 'id'], ['comments', 'id'], ['notifications', 'id'], ['profile_questions', 'id'], ['post_revisions', 'id']] as const) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', '${column}'), greatest((select max(${column}) from ${table}), 1))`);
    }

    // ---- feed inboxes -------------------------------------------------------------------
    // What server/repos/feed.ts fanOutPost writes, for the newest --feed-window posts, ranked per
    // member and cut at --feed-keep (reasons: 1 own, 2 followed author, 4 wall, 8 hashtag).
    log(`Feed inboxes (the newest ${fmt(opts.feedWindow)} posts fanned out, ${fmt(opts.feedKeep)} kept per member)…`);
    await client.query(`create temp table tmp_recent as select id, author_id, wall_owner_id, visibility, created_at from posts order by created_at desc, id desc limit ${int(opts.feedWindow)}`);
    await client.query(`create index on tmp_recent (author_id)`);
    await client.query(`create temp table tmp_recent_tags as select t.post_id, t.tag from post_tags t join tmp_recent r on r.id = t.post_id and r.visibility in ('public', 'members')`);
    await client.query(`analyze tmp_recent; analyze tmp_recent_tags`);
    const feedRows = await progress.chunked(
      'feed_items',
      N,
      1000,
      (from, to) =>
        q(
          `insert into feed_items (member_id, post_id, feed_at, reasons)
           select member_id, post_id, created_at, reasons from (
             select member_id, post_id, created_at, reasons,
                    row_number() over (partition by member_id order by created_at desc, post_id desc) as rn
               from (
                 select member_id, post_id, max(created_at) as created_at, bit_or(reason) as reasons from (
                   select r.author_id as member_id, r.id as post_id, r.created_at, 1 as reason from tmp_recent r where r.author_id between $1 and $2
                   union all select r.wall_owner_id, r.id, r.created_at, 4 from tmp_recent r where r.wall_owner_id between $1 and $2
                   union all select f.follower_id, r.id, r.created_at, 2 from follows f join tmp_recent r on r.author_id = f.followee_id
                              where f.follower_id between $1 and $2 and r.visibility in ('public', 'members', 'followers')
                   union all select f.follower_id, r.id, r.created_at, 8 from follows f join tmp_recent_tags t on t.tag = f.hashtag join tmp_recent r on r.id = t.post_id
                              where f.follower_id between $1 and $2 and f.hashtag is not null
                 ) c group by member_id, post_id
               ) g
           ) ranked
           where rn <= ${int(opts.feedKeep)}`,
          [from, to],
        ),
      'members',
    );
    log(`  ${fmt(feedRows)} feed items`);

    // ---- indexes back, checks, statistics -----------------------------------------------
    if (triggersOff) await client.query(`set session_replication_role = origin`);
    progress.record('indexes', 0, await rebuild());

    const checks: [string, string][] = [
      ['follows → users', `select count(*) from follows f where not exists (select 1 from users u where u.id = f.follower_id) or (f.followee_id is not null and not exists (select 1 from users u where u.id = f.followee_id))`],
      ['feed_items → rows', `select count(*) from feed_items i where (i.post_id is not null and not exists (select 1 from posts p where p.id = i.post_id)) or not exists (select 1 from users u where u.id = i.member_id)`],
      ['posts → users', `select count(*) from posts p where not exists (select 1 from users u where u.id = p.author_id) or not exists (select 1 from users u where u.id = p.wall_owner_id)`],
      ['shares → originals', `select count(*) from posts p where p.shared_post_id is not null and not exists (select 1 from posts o where o.id = p.shared_post_id and not o.is_share)`],
      ['comments → posts', `select count(*) from comments c where not exists (select 1 from posts p where p.id = c.post_id)`],
      ['replies → top level', `select count(*) from comments c where c.parent_id is not null and not exists (select 1 from comments t where t.id = c.parent_id and t.parent_id is null and t.post_id = c.post_id)`],
      ['comments → users', `select count(*) from comments c where not exists (select 1 from users u where u.id = c.author_id)`],
      ['post_likes → rows', `select count(*) from post_likes l where not exists (select 1 from posts p where p.id = l.post_id) or not exists (select 1 from users u where u.id = l.user_id)`],
      ['comment_likes → rows', `select count(*) from comment_likes l where not exists (select 1 from comments c where c.id = l.comment_id) or not exists (select 1 from users u where u.id = l.user_id)`],
      ['mentions/tags → posts', `select (select count(*) from post_mentions m where not exists (select 1 from posts p where p.id = m.post_id)) + (select count(*) from post_tags t where not exists (select 1 from posts p where p.id = t.post_id))`],
      ['notifications → rows', `select count(*) from notifications n where not exists (select 1 from posts p where p.id = n.post_id) or (n.comment_id is not null and not exists (select 1 from comments c where c.id = n.comment_id))`],
      // Counters against independent aggregates (hash joins: comments has no index on post_id
      // alone, so correlated counts would scan it once per post).
      ['post counters', `select count(*) from posts p
                           left join (select post_id, count(*) as n from post_likes group by post_id) l on l.post_id = p.id
                           left join (select post_id, count(*) as n from comments group by post_id) c on c.post_id = p.id
                           left join (select shared_post_id, count(*) as n from posts where shared_post_id is not null group by shared_post_id) s on s.shared_post_id = p.id
                          where p.like_count <> coalesce(l.n, 0) or p.comment_count <> coalesce(c.n, 0) or p.share_count <> coalesce(s.n, 0)`],
      ['comment counters', `select count(*) from comments c left join (select comment_id, count(*) as n from comment_likes group by comment_id) l on l.comment_id = c.id
                             where c.like_count <> coalesce(l.n, 0)`],
      ['profile counters', `select count(*) from profiles pr
                              left join (select author_id, count(*) as n from posts group by author_id) p on p.author_id = pr.user_id
                              left join (select followee_id, count(*) as n from follows where followee_id is not null group by followee_id) fr on fr.followee_id = pr.user_id
                              left join (select follower_id, count(*) as n from follows where followee_id is not null group by follower_id) fg on fg.follower_id = pr.user_id
                             where pr.post_count <> coalesce(p.n, 0) or pr.follower_count <> coalesce(fr.n, 0) or pr.following_count <> coalesce(fg.n, 0)`],
      ['showcase = 50 comments', `select count(*) from posts where id >= ${int(showcaseFirstId)} and comment_count <> ${SHOWCASE_TOP + SHOWCASE_REPLIES}`],
    ];
    const followRange = await one<{ min: number; max: number }>(`select min(following_count) as min, max(following_count) as max from profiles`);
    await runChecks(client, checks, `; members follow ${followRange.min}–${followRange.max} others`);

    log('VACUUM ANALYZE…');
    t0 = performance.now();
    await client.query('vacuum (analyze)');
    progress.record('vacuum analyze', 0, performance.now() - t0);
    log(`  done in ${secs(performance.now() - t0)}`);

    // ---- manifest -----------------------------------------------------------------------
    const counts: Record<string, number> = {};
    for (const table of ['users', 'profiles', 'profile_tags', 'profile_answers', 'sessions', 'follows', 'posts', 'post_mentions', 'post_tags', 'post_revisions', 'comments', 'post_likes', 'comment_likes', 'notifications', 'feed_items']) {
      counts[table] = Number((await one<{ n: string }>(`select count(*) as n from ${table}`)).n);
    }
    counts.shares = Number((await one<{ n: string }>(`select count(*) as n from posts where is_share`)).n);
    counts.replies = Number((await one<{ n: string }>(`select count(*) as n from comments where parent_id is not null`)).n);
    const showcase = (
      await client.query<{ id: number; wall: string; author: string; comment_count: number; top: string; replies: string; like_count: number }>(
        `select p.id::int as id, w.handle as wall, a.handle as author, p.comment_count, p.like_count,
                (select count(*) from comments c where c.post_id = p.id and c.parent_id is null) as top,
                (select count(*) from comments c where c.post_id = p.id and c.parent_id is not null) as replies
           from posts p join users w on w.id = p.wall_owner_id join users a on a.id = p.author_id
          where p.id >= $1 order by p.id`,
        [showcaseFirstId],
      )
    ).rows;
    const wallInfo = [];
    for (const w of chosenWalls) {
      const r = await one<{ posts: string; public_posts: string; followers: number }>(
        `select (select count(*) from posts where wall_owner_id = $1) as posts, (select count(*) from posts where wall_owner_id = $1 and visibility = 'public') as public_posts,
                (select follower_count from profiles where user_id = $1) as followers`,
        [w.id],
      );
      wallInfo.push({ id: w.id, handle: w.handle, displayName: w.display_name, posts: Number(r.posts), publicPosts: Number(r.public_posts), followers: r.followers, note: w.note });
    }
    const viewerFollowing = (await one<{ following_count: number }>(`select following_count from profiles where user_id = $1`, [viewer.id])).following_count;
    const viewerFeedItems = Number((await one<{ n: string }>(`select count(*) as n from feed_items where member_id = $1`, [viewer.id])).n);
    const durationS = (performance.now() - progress.started) / 1000;
    const manifest: Manifest = {
      seededAt: started.toISOString(),
      database: safeUrl,
      seed: opts.seed,
      options: opts,
      durationS: Number(durationS.toFixed(1)),
      counts,
      viewer: { id: viewer.id, handle: viewer.handle, displayName: viewer.display_name, following: viewerFollowing, feedItems: viewerFeedItems },
      fullWalls: wallInfo,
      showcasePosts: showcase.map((s) => ({ id: s.id, wallHandle: s.wall, authorHandle: s.author, comments: s.comment_count, topLevel: Number(s.top), replies: Number(s.replies), likes: s.like_count })),
      steps: progress.manifestSteps(),
    };
    await writeManifest(SEED_MANIFEST_PATH, manifest);

    log(`\nSeeded in ${secs(durationS * 1000)}:`);
    for (const [table, n] of Object.entries(counts)) log(`  ${table.padEnd(16)} ${fmt(n).padStart(10)}`);
    log(`  comments + likes ${fmt(counts.comments! + counts.post_likes! + counts.comment_likes!).padStart(10)}`);
    log(`Viewer: @${viewer.handle} (id ${viewer.id}, follows ${viewerFollowing}, ${viewerFeedItems} feed items)`);
    log(`Full walls: ${wallInfo.map((w) => `@${w.handle} (${w.posts} posts, ${w.publicPosts} public)`).join(', ')}`);
    log(`Showcase posts (50 comments each): ${showcase.map((s) => s.id).join(', ')}`);
    log(`Wrote ${relative(SEED_MANIFEST_PATH)}`);
  } finally {
    await client.end();
  }
}

try {
  await main();
} catch (err) {
  console.error(`\nSeeding failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
