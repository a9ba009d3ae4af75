// @ts-check
/** Translations and language choice. Every language has every key of EN: tsc checks it. */
var EN = {
  label: "I'm not a robot",
  verifying: 'Verifying…',
  verified: 'Verified',
  error: 'Verification failed.',
  retry: 'Try again',
  expired: 'Verification expired.',
  visualTitle: 'Type the characters shown in the image',
  code: 'Code',
  verify: 'Verify',
  audio: 'Play audio code',
  audioHint: 'Type what the forward voice says; the other voice plays backwards.',
  reload: 'New challenge',
  wait: 'Verify by waiting instead',
  waiting: 'Waiting… this can take a minute',
  wrong: 'Wrong code. Attempts left: {n}',
  denied: 'Verification denied.',
  imageAlt: 'Characters to type',
  footer: 'Protected by AstraCaph',
  network: 'Connection problem.',
  privacy: 'Privacy'
};
/** @typedef {typeof EN} Strings */
/** @type {Object<string, Strings>} */
var STR = {
  en: EN,
  ru: {
    label: 'Я не робот',
    verifying: 'Проверка…',
    verified: 'Проверено',
    error: 'Проверка не удалась.',
    retry: 'Повторить',
    expired: 'Срок проверки истёк.',
    visualTitle: 'Введите символы с картинки',
    code: 'Код',
    verify: 'Проверить',
    audio: 'Прослушать код',
    audioHint: 'Введите то, что говорит голос в обычном направлении; второй голос звучит задом наперёд.',
    reload: 'Новое задание',
    wait: 'Пройти проверку ожиданием',
    waiting: 'Ожидание… это может занять минуту',
    wrong: 'Неверный код. Осталось попыток: {n}',
    denied: 'В проверке отказано.',
    imageAlt: 'Символы для ввода',
    footer: 'Защищено AstraCaph',
    network: 'Ошибка соединения.',
    privacy: 'Конфиденциальность'
  },
  'pt-br': {
    label: 'Não sou um robô',
    verifying: 'Verificando…',
    verified: 'Verificado',
    error: 'A verificação falhou.',
    retry: 'Tentar novamente',
    expired: 'A verificação expirou.',
    visualTitle: 'Digite os caracteres da imagem',
    code: 'Código',
    verify: 'Verificar',
    audio: 'Ouvir o código',
    audioHint: 'Digite o que a voz normal diz; a outra voz toca de trás para a frente.',
    reload: 'Novo desafio',
    wait: 'Verificar esperando',
    waiting: 'Aguardando… pode levar um minuto',
    wrong: 'Código incorreto. Tentativas restantes: {n}',
    denied: 'Verificação negada.',
    imageAlt: 'Caracteres para digitar',
    footer: 'Protegido por AstraCaph',
    network: 'Problema de conexão.',
    privacy: 'Privacidade'
  },
  es: {
    label: 'No soy un robot',
    verifying: 'Verificando…',
    verified: 'Verificado',
    error: 'La verificación falló.',
    retry: 'Reintentar',
    expired: 'La verificación caducó.',
    visualTitle: 'Escribe los caracteres de la imagen',
    code: 'Código',
    verify: 'Verificar',
    audio: 'Escuchar el código',
    audioHint: 'Escribe lo que dice la voz normal; la otra voz suena al revés.',
    reload: 'Nuevo desafío',
    wait: 'Verificar esperando',
    waiting: 'Esperando… puede tardar un minuto',
    wrong: 'Código incorrecto. Intentos restantes: {n}',
    denied: 'Verificación denegada.',
    imageAlt: 'Caracteres a escribir',
    footer: 'Protegido por AstraCaph',
    network: 'Problema de conexión.',
    privacy: 'Privacidad'
  },
  de: {
    label: 'Ich bin kein Roboter',
    verifying: 'Wird überprüft…',
    verified: 'Verifiziert',
    error: 'Überprüfung fehlgeschlagen.',
    retry: 'Erneut versuchen',
    expired: 'Überprüfung abgelaufen.',
    visualTitle: 'Zeichen aus dem Bild eingeben',
    code: 'Code',
    verify: 'Prüfen',
    audio: 'Code anhören',
    audioHint: 'Geben Sie ein, was die vorwärts sprechende Stimme sagt; die andere Stimme läuft rückwärts.',
    reload: 'Neue Aufgabe',
    wait: 'Stattdessen durch Warten prüfen',
    waiting: 'Bitte warten… das kann eine Minute dauern',
    wrong: 'Falscher Code. Verbleibende Versuche: {n}',
    denied: 'Überprüfung abgelehnt.',
    imageAlt: 'Einzugebende Zeichen',
    footer: 'Geschützt durch AstraCaph',
    network: 'Verbindungsproblem.',
    privacy: 'Datenschutz'
  },
  fr: {
    label: 'Je ne suis pas un robot',
    verifying: 'Vérification…',
    verified: 'Vérifié',
    error: 'La vérification a échoué.',
    retry: 'Réessayer',
    expired: 'La vérification a expiré.',
    visualTitle: "Saisissez les caractères de l'image",
    code: 'Code',
    verify: 'Vérifier',
    audio: 'Écouter le code',
    audioHint: "Saisissez ce que dit la voix à l'endroit ; l'autre voix est à l'envers.",
    reload: 'Nouveau défi',
    wait: 'Vérifier en patientant',
    waiting: 'Patientez… cela peut prendre une minute',
    wrong: 'Code incorrect. Essais restants : {n}',
    denied: 'Vérification refusée.',
    imageAlt: 'Caractères à saisir',
    footer: 'Protégé par AstraCaph',
    network: 'Problème de connexion.',
    privacy: 'Confidentialité'
  },
  'zh-cn': {
    label: '我不是机器人',
    verifying: '正在验证…',
    verified: '已验证',
    error: '验证失败。',
    retry: '重试',
    expired: '验证已过期。',
    visualTitle: '请输入图片中的字符',
    code: '验证码',
    verify: '验证',
    audio: '播放语音验证码',
    audioHint: '请输入正向播放的声音所说的内容；另一个声音是倒放的。',
    reload: '换一个',
    wait: '改为等待验证',
    waiting: '请稍候…可能需要一分钟',
    wrong: '验证码错误。剩余次数：{n}',
    denied: '验证被拒绝。',
    imageAlt: '需要输入的字符',
    footer: '由 AstraCaph 保护',
    network: '连接出现问题。',
    privacy: '隐私'
  },
  ar: {
    label: 'أنا لست روبوتًا',
    verifying: 'جارٍ التحقق…',
    verified: 'تم التحقق',
    error: 'فشل التحقق.',
    retry: 'أعد المحاولة',
    expired: 'انتهت صلاحية التحقق.',
    visualTitle: 'اكتب الأحرف الظاهرة في الصورة',
    code: 'الرمز',
    verify: 'تحقق',
    audio: 'استمع إلى الرمز',
    audioHint: 'اكتب ما يقوله الصوت العادي؛ الصوت الآخر يُشغَّل بالعكس.',
    reload: 'تحدٍّ جديد',
    wait: 'تحقق بالانتظار بدلًا من ذلك',
    waiting: 'جارٍ الانتظار… قد يستغرق ذلك دقيقة',
    wrong: 'رمز خاطئ. المحاولات المتبقية: {n}',
    denied: 'تم رفض التحقق.',
    imageAlt: 'الأحرف المطلوب كتابتها',
    footer: 'محمي بواسطة AstraCaph',
    network: 'مشكلة في الاتصال.',
    privacy: 'الخصوصية'
  }
};
/** @type {Object<string, number>} */
var RTL = { ar: 1, fa: 1, he: 1, ur: 1 };

/**
 * pickLang chooses the first supported language among pref, the page's lang and the
 * browser's languages: an exact match first, then one on the primary subtag; else English.
 * @param {string} [pref]
 * @returns {string} a key of STR
 */
function pickLang(pref) {
  var cands = [pref, D.documentElement.lang].concat(navigator.languages || [navigator.language]);
  var i, c;
  for (i = 0; i < cands.length; i++) {
    c = String(cands[i] || '').toLowerCase().replace('_', '-');
    if (Object.prototype.hasOwnProperty.call(STR, c)) return c; // not "constructor"
  }
  for (i = 0; i < cands.length; i++) {
    c = String(cands[i] || '').toLowerCase().split(/[-_]/)[0];
    if (!c) continue;
    for (var k in STR) if (k.split('-')[0] === c) return k;
  }
  return 'en';
}
/**
 * @param {string} lang
 * @param {number} x a share, 0–1
 */
function percent(lang, x) {
  try { return new Intl.NumberFormat(lang, { style: 'percent' }).format(x); } catch (e) { return Math.round(x * 100) + '%'; }
}
